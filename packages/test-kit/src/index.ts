// @atlasai/test-kit: what the repository's tests share. PgBouncer, the services and the registry proofs
// have entry points of their own (`/pgbouncer`, `/service`, `/registry-proofs`), so that importing the
// kit stays light.
export { dbTest } from './fixtures.js';
export { DIALECTS } from './dialects.js';
export { HISTORY_COLUMNS } from './history-columns.js';
export { cli, operatorScript, type CliOptions } from './in-process-cli.js';
export { migrateFiles, migrationFolder, type MigrateOptions } from './migrations.js';
export { freePort } from './ports.js';
export { createPostgresDatabase, type PostgresOptions } from './postgres.js';
export { ATLAS_MIGRATE, PROGRESS, PROGRESS_LINE, REPO_ROOT, atlasMigrate, eventually, run, type RunResult } from './process.js';
export { withClient } from './client.js';
export { adminQuery, createDatabase, pgAdminUrl, withDatabase } from './server.js';
export { createSqliteDatabase, sqlitePath } from './sqlite.js';
export type { Template } from './templates.js';
export type { TestDatabase } from './test-database.js';
export { inFastTier, requireFullTier } from './tier.js';
export { PASSWORD, UNSUPPORTED } from './unsupported-urls.js';
