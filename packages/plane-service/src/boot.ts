import { assertMigrated, isMigratorError, redactUrl, runMigrations } from '@atlasai/migrator-core';
import type { ServiceDeps } from './app.js';
import { ConfigError, describeConfig, loadConfig, resolveLogFormat, type LogFormat, type ServiceConfig } from './config.js';
import { openDatabase, type ServiceDatabase } from './database.js';
import type { ServiceDefinition } from './definition.js';
import { loadDotenv, unreadDatabaseVariableWarnings, type DotenvOutcome } from './environment.js';
import { acquireInstanceLock, InstanceLockedError, type InstanceLock } from './instance-lock.js';
import { createServiceLogger, engineLogger, type PinoLogger } from './logger.js';
import { planeReportJson } from './plane-json.js';
import type { ServiceApp } from './request-shape.js';
import { prepareSqliteFile } from './sqlite-file.js';
import { DatabaseUnreachableError } from './wait-for-database.js';

/** Exit codes of a service that did not start: as the operator commands, plus 4 for a second SQLite instance. */
export const BOOT_EXIT = Object.freeze({ migrationFailed: 1, databaseUnreachable: 1, config: 2, lockTimeout: 3, sqliteInUse: 4, listenFailed: 1 });

export interface BootOptions {
  /** The process's environment: a `.env` file's variables are added to it (see `envFile`). */
  readonly env: Record<string, string | undefined>;
  /** Where the plane's default SQLite file lives (the repository's `data/`). */
  readonly dataDir: string;
  /** The `.env` read when present (the repository root's); `ATLAS_ENV_FILE` names another, `ATLAS_DOTENV=0` reads none. */
  readonly envFile?: string;
  /** Whether stdout is a terminal: logs are then readable lines unless `LOG_FORMAT=json`. */
  readonly isTerminal?: boolean;
}

/** A service that is listening. `close()` is idempotent: server (in-flight requests finish), then database. */
export interface RunningService {
  readonly app: ServiceApp;
  readonly log: PinoLogger;
  close(): Promise<void>;
}

export type BootResult = { readonly ok: true; readonly service: RunningService } | { readonly ok: false; readonly exitCode: number };

const messageOf = (error: unknown) => redactUrl(error instanceof Error ? error.message : String(error));

function loadOrReport(definition: ServiceDefinition, options: BootOptions, format: LogFormat): ServiceConfig | null {
  try {
    return loadConfig(definition, options.env, options.dataDir, options.isTerminal === true);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    createServiceLogger('info', undefined, format).fatal({ plane: definition.plane.registry.plane, problems: error.problems }, 'invalid configuration');
    return null;
  }
}

/** The boot lines that say where this service reads and writes: the `.env` read, its target, and any unread `*DATABASE_URL*`. */
function reportEnvironment(definition: ServiceDefinition, config: ServiceConfig, dotenv: DotenvOutcome, env: BootOptions['env'], log: PinoLogger): void {
  if (dotenv.kind === 'loaded') {
    const kept = dotenv.kept.length > 0 ? `; already set, so kept: ${dotenv.kept.join(', ')}` : '';
    log.info({ envFile: dotenv.path, set: dotenv.set, kept: dotenv.kept }, `read ${dotenv.path}: set ${dotenv.set.join(', ') || 'nothing'}${kept}`);
  }
  const variable = definition.plane.urlVariable;
  const { plane, database } = config;
  if (config.databaseSource === 'default' && database.kind === 'sqlite') {
    log.info({ plane, database: database.redacted, variable, source: 'default' }, `${variable} is not set: using the SQLite file ${database.path}`);
  } else {
    log.info({ plane, database: database.redacted, variable, source: variable }, `${plane} plane database: ${database.redacted} (${variable})`);
  }
  for (const warning of unreadDatabaseVariableWarnings(env, variable)) log.warn({ plane }, warning);
}

/**
 * SQLite serves one process: the file is made ready (folder, file, real path) and its instance lock taken.
 * Returns the lock, or the exit code after one fatal line naming the file or the holder.
 */
function lockSqlite(path: string, config: ServiceConfig, log: PinoLogger): InstanceLock | number {
  try {
    return acquireInstanceLock(prepareSqliteFile(path));
  } catch (error) {
    if (error instanceof InstanceLockedError) {
      log.fatal({ plane: config.plane, database: config.database.redacted, lockFile: error.lockPath }, error.message);
      return BOOT_EXIT.sqliteInUse;
    }
    if (isMigratorError(error) && error.code === 'CONFIG_INVALID') {
      log.fatal({ plane: config.plane, database: config.database.redacted, file: error.file }, error.message);
      return BOOT_EXIT.config;
    }
    log.fatal({ plane: config.plane, database: config.database.redacted, error: messageOf(error) }, 'cannot take the SQLite instance lock');
    return BOOT_EXIT.databaseUnreachable;
  }
}

/** Applies the pending migrations; returns an exit code when the service must not start. */
async function migrateOnStartup<DB>(
  definition: ServiceDefinition,
  config: ServiceConfig,
  database: ServiceDatabase<DB>,
  log: PinoLogger,
): Promise<number | null> {
  if (!config.migrateOnStartup) {
    log.warn(
      { plane: config.plane },
      'startup migration disabled (MIGRATE_ON_STARTUP=false): run `npm run migrate:versioned` or POST /api/db/migrate; health reports what is pending',
    );
    return null;
  }
  log.info({ plane: config.plane }, 'applying pending migrations');
  const report = await runMigrations({
    registry: definition.plane.registry,
    dialect: database.migrationDialect,
    mode: 'apply',
    logger: engineLogger(log),
    lockTimeoutMs: config.lockTimeoutMs,
    batch: config.batchMigrations,
  });
  const fields = { plane: config.plane, applied: report.applied.map((m) => m.version), report: planeReportJson(report) };
  try {
    assertMigrated(report);
  } catch (error) {
    log.fatal({ ...fields, error: messageOf(error) }, 'startup migration failed: not serving a half-migrated schema');
    return report.error?.code === 'LOCK_TIMEOUT' ? BOOT_EXIT.lockTimeout : BOOT_EXIT.migrationFailed;
  }
  log.info(fields, 'startup migration complete');
  return null;
}

/**
 * Boots one plane's service, top to bottom: config → database (SQLite: single instance) → pending
 * migrations (unless disabled) → app → listen. Any step that fails is logged and ends in an exit code
 * for `main.ts`; nothing listens before the schema is migrated.
 */
export async function bootService<DB>(
  definition: ServiceDefinition,
  options: BootOptions,
  createApp: (deps: ServiceDeps<DB>) => ServiceApp,
): Promise<BootResult> {
  // The file first: it may set any variable below, LOG_FORMAT and LOG_LEVEL included.
  const dotenv: DotenvOutcome = options.envFile === undefined ? { kind: 'off' } : loadDotenv(options.env, options.envFile);
  const format = resolveLogFormat(options.env, options.isTerminal === true);
  if (dotenv.kind === 'failed') {
    createServiceLogger('info', undefined, format).fatal({ envFile: dotenv.path }, `cannot read ${dotenv.path}: ${dotenv.message}`);
    return { ok: false, exitCode: BOOT_EXIT.config };
  }
  const config = loadOrReport(definition, options, format);
  if (config === null) return { ok: false, exitCode: BOOT_EXIT.config };
  const log = createServiceLogger(config.logLevel, undefined, config.logFormat);
  log.info(describeConfig(config), 'config loaded');
  reportEnvironment(definition, config, dotenv, options.env, log);
  if (config.internalServiceSecret === null) {
    log.warn('INTERNAL_SERVICE_SECRET is not set: POST /api/db/migrate and GET /api/db/status refuse every call (403)');
  }

  let lock: InstanceLock | null = null;
  if (config.database.kind === 'sqlite' && config.database.path !== ':memory:') {
    const taken = lockSqlite(config.database.path, config, log);
    if (typeof taken === 'number') return { ok: false, exitCode: taken };
    lock = taken;
  }
  let database: ServiceDatabase<DB>;
  try {
    database = await openDatabase<DB>(config, log);
  } catch (error) {
    lock?.release();
    if (isMigratorError(error) && error.code === 'CONFIG_INVALID') {
      log.fatal({ plane: config.plane, database: config.database.redacted, file: error.file }, messageOf(error));
      return { ok: false, exitCode: BOOT_EXIT.config };
    }
    if (error instanceof DatabaseUnreachableError) {
      const waited =
        error.attempts > 1 ? ` (gave up after ${error.attempts} attempts in ${config.connectWaitMs / 1000} s, MIGRATION_CONNECT_WAIT_SECONDS)` : '';
      log.fatal(
        { database: config.database.redacted, attempt: error.attempts, error: messageOf(error) },
        `database unreachable: ${config.database.redacted}${waited}`,
      );
      return { ok: false, exitCode: BOOT_EXIT.databaseUnreachable };
    }
    log.fatal({ database: config.database.redacted, error: messageOf(error) }, 'database unreachable');
    return { ok: false, exitCode: BOOT_EXIT.databaseUnreachable };
  }
  log.info({ kind: database.kind, database: config.database.redacted }, 'database opened');

  const failed = await migrateOnStartup(definition, config, database, log);
  if (failed !== null) {
    await database.close();
    lock?.release();
    return { ok: false, exitCode: failed };
  }

  const app = createApp({ config, database, logger: log });
  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      await app.close();
      await database.close();
      lock?.release();
      log.info({ plane: config.plane }, 'stopped');
    })());
  try {
    await app.listen({ port: config.port, host: config.host });
  } catch (error) {
    log.fatal({ port: config.port, host: config.host, error: messageOf(error) }, 'cannot listen');
    await close();
    return { ok: false, exitCode: BOOT_EXIT.listenFailed };
  }
  const address = app.server.address();
  log.info({ plane: config.plane, host: config.host, port: typeof address === 'object' && address ? address.port : config.port }, 'listening');
  return { ok: true, service: { app, log, close } };
}
