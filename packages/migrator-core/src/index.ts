export { MigratorError, isMigratorError, type MigratorErrorCode, type MigratorErrorContext } from './errors.js';
export {
  CHECKSUM_ALGORITHM,
  NO_TRANSACTION_MARKER,
  SQL_VARIANTS,
  checksumSql,
  decodeMigrationFile,
  migrationsFromFiles,
  normalizeSql,
  type Migration,
  type MigrationFile,
  type MigrationScript,
  type SqlVariant,
} from './migration.js';
export {
  defineRegistry,
  defineRegistryFromFiles,
  loadRegistryFromDir,
  readMigrationFiles,
  readRegistryManifest,
  type Registry,
  type RegistryDefinition,
  type RegistryManifest,
  type VersionRange,
} from './registry.js';
export type {
  AuditRecord,
  ConnectOptions,
  Dialect,
  History,
  HistoryOutcome,
  HistoryRecord,
  HistoryRow,
  Session,
  Statement,
  StatementOutcome,
} from './dialect.js';
export { createDialect, type DialectOptions } from './dialects/index.js';
// A script or test that must hold a plane's migration lock (or find it in pg_locks) needs its key.
export { migrationLockKey } from './dialects/index.js';
// A service waits out the same connection failures as the engine's migration session (no driver loaded).
export { isTransientConnectError } from './dialects/index.js';
export { readPostgresHistoryWith, readSqliteHistoryWith, statusFromHistory, type PostgresQuery, type SqliteHandle } from './dialects/read-history-with.js';
export { parseDatabaseUrl, redactUrl, type DatabaseTarget } from './dialects/target.js';
export { silentLogger, type Logger } from './logger.js';
export { DEFAULT_HEARTBEAT_MS, DEFAULT_LOCK_TIMEOUT_MS, runMigrations, type RunOptions } from './runner.js';
export { baselineMigrations, repairChecksum, type RecoveryReport } from './recovery.js';
export {
  JSON_SCHEMA_VERSION,
  assertMigrated,
  reportToJson,
  toPlaneError,
  type AppliedMigration,
  type FailedMigration,
  type MigrationReport,
  type PendingMigration,
  type PlaneError,
  type PlaneReport,
  type PlannedMigration,
  type PresentObject,
  type ProgressEvent,
  type RunMode,
  type UnverifiedMigration,
} from './report.js';
export { renderFooter, renderHeader, renderPlane, renderReport, renderStatus } from './render-report.js';
export {
  inspectMigrations,
  statusDocument,
  STATUS_SCHEMA_VERSION,
  type MigrationState,
  type MigrationStatusEntry,
  type PlaneDrift,
  type PlaneStatus,
  type StatusDocument,
} from './status.js';
export * from './lint/index.js';
export * from './schema/index.js';
