export { DATA_DIR, PLANES, controlPlane, planeUrl, tenantPlane, type PlaneDefinition } from './planes.js';
export { planeTargets, runOperatorCommand, type OperatorOptions } from './operator-commands.js';
export { REPO_ENV_FILE, loadDotenv, readDatabaseVariables, readScriptDotenv, unreadDatabaseVariableWarnings, type DotenvOutcome } from './environment.js';
