// The variables the product reads, the unread-variable warning and the `.env` loader are the planes'
// (packages/planes), shared with the root scripts: one list, one "did you mean", one reading of `.env`.
export { loadDotenv, readDatabaseVariables, unreadDatabaseVariableWarnings, type DotenvOutcome } from '@atlasai/planes';
