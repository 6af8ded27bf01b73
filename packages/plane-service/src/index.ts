export { createServiceApp, type FeatureRoutes, type ServiceDeps } from './app.js';
export { BOOT_EXIT, bootService, type BootOptions, type BootResult, type RunningService } from './boot.js';
export { ConfigError, DEFAULT_CONNECT_WAIT_SECONDS, describeConfig, loadConfig, resolveLogFormat, type LogFormat, type ServiceConfig } from './config.js';
export { loadDotenv, readDatabaseVariables, unreadDatabaseVariableWarnings, type DotenvOutcome } from './environment.js';
export type { ServiceContext } from './context.js';
export { openDatabase, SQLITE_BUSY_TIMEOUT_MS, type ServiceDatabase } from './database.js';
export type { ServiceDefinition } from './definition.js';
export { acquireInstanceLock, InstanceLockedError, type InstanceLock } from './instance-lock.js';
export { createServiceLogger, engineLogger, REDACTED_PATHS, type PinoLogger } from './logger.js';
export { planeReportJson } from './plane-json.js';
export { InvalidRequestError, NoQuery, StringEnum, type ServiceApp } from './request-shape.js';
export { prepareSqliteFile } from './sqlite-file.js';
// Route schemas are TypeBox: re-exported so that the apps build theirs from the same copy Fastify's type provider reads.
export { Type, type Static } from '@sinclair/typebox';
export { requireMigration } from './schema-guard.js';
export { HEALTH_MAX_AGE_MS, MigrationStateMonitor, type HistorySource, type SchemaReading, type SchemaState } from './schema-state.js';
export { requireServiceSecret, SECRET_HEADER, secretMatches } from './secret.js';
export { isoTimestamp, jsonValue, minorUnits } from './row-values.js';
