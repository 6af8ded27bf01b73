import { join } from 'node:path';
import { DEFAULT_LOCK_TIMEOUT_MS, parseDatabaseUrl, redactUrl, type DatabaseTarget, type DialectOptions } from '@atlasai/migrator-core';
import { envSchema } from 'env-schema';
import type { ServiceDefinition } from './definition.js';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export const LOG_FORMATS = ['json', 'pretty'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];
/** `MIGRATION_CONNECT_WAIT_SECONDS` when unset: the engine's own default. */
export const DEFAULT_CONNECT_WAIT_SECONDS = 30;

/**
 * `LOG_FORMAT` if it is one of `json`, `pretty`; else pretty on a terminal and NDJSON otherwise (a pipe, a
 * file, a log collector). Read before the rest of the configuration, so an invalid one is reported readably.
 */
export function resolveLogFormat(env: Readonly<Record<string, string | undefined>>, isTerminal: boolean): LogFormat {
  const given = env.LOG_FORMAT?.trim().toLowerCase();
  if (given === 'json' || given === 'pretty') return given;
  return isTerminal ? 'pretty' : 'json';
}

/** Everything a service reads from its environment, parsed once at boot and frozen. */
export interface ServiceConfig {
  readonly plane: string;
  readonly port: number;
  readonly host: string;
  /**
   * The plane's database, parsed once: every connection the service opens (application pool, migrations,
   * health) is made from a parsed target, never from the text as given. Log `database.redacted`.
   */
  readonly database: DatabaseTarget;
  /** `null` when unset or empty: the secret-protected endpoints then refuse every call. */
  readonly internalServiceSecret: string | null;
  readonly migrateOnStartup: boolean;
  readonly lockTimeoutMs: number;
  /**
   * `MIGRATION_BATCH` (default true): consecutive migrations may share a transaction; false gives each its
   * own, so `now()` and the transaction id are each migration's (the engine's `RunOptions.batch`).
   */
  readonly batchMigrations: boolean;
  readonly logLevel: (typeof LOG_LEVELS)[number];
  /** `LOG_FORMAT`: `json` (NDJSON) or `pretty` (readable lines); unset: pretty on a terminal, else json. */
  readonly logFormat: LogFormat;
  /**
   * How long boot keeps trying a PostgreSQL database that is not reachable yet, on every connection it
   * opens (the application's pool, the migration session): `MIGRATION_CONNECT_WAIT_SECONDS`, default 30 s.
   */
  readonly connectWaitMs: number;
  /** Where the plane's URL came from: its variable, or the SQLite default because that variable is unset or empty. */
  readonly databaseSource: 'variable' | 'default';
  /**
   * Where migrations run: `MIGRATION_DATABASE_URL` (a direct or session-pooled URL, for when the plane's
   * own URL goes through a transaction pooler), else the plane's database.
   */
  readonly migrationDatabase: DatabaseTarget;
  /** PostgreSQL bounds of the migration session; unset ones take the engine's defaults. */
  readonly migration: Pick<DialectOptions, 'ddlLockTimeoutMs' | 'lockRetries' | 'concurrentLockTimeoutMs' | 'connectWaitMs'>;
}

/** The configuration was invalid; `problems` lists every one of them. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration: ${problems.join('; ')}`);
    this.name = 'ConfigError';
  }
}

function schemaFor(definition: ServiceDefinition) {
  return {
    type: 'object',
    required: [],
    properties: {
      PORT: { type: 'integer', minimum: 0, maximum: 65535, default: definition.defaultPort },
      HOST: { type: 'string', minLength: 1, default: '0.0.0.0' },
      [definition.plane.urlVariable]: { type: 'string' },
      INTERNAL_SERVICE_SECRET: { type: 'string' },
      MIGRATE_ON_STARTUP: { type: 'boolean', default: true },
      MIGRATION_BATCH: { type: 'boolean', default: true },
      MIGRATION_LOCK_TIMEOUT_SECONDS: { type: 'integer', minimum: 0, default: DEFAULT_LOCK_TIMEOUT_MS / 1000 },
      MIGRATION_DATABASE_URL: { type: 'string' },
      MIGRATION_DDL_LOCK_TIMEOUT_SECONDS: { type: 'integer', minimum: 1 },
      MIGRATION_LOCK_RETRIES: { type: 'integer', minimum: 0 },
      MIGRATION_CONCURRENT_LOCK_TIMEOUT_SECONDS: { type: 'integer', minimum: 1 },
      MIGRATION_CONNECT_WAIT_SECONDS: { type: 'integer', minimum: 0 },
      LOG_LEVEL: { type: 'string', enum: [...LOG_LEVELS], default: 'info' },
      LOG_FORMAT: { type: 'string', enum: [...LOG_FORMATS] },
    },
  };
}

interface AjvProblem {
  readonly instancePath: string;
  readonly message?: string;
  readonly params?: { allowedValues?: readonly unknown[] };
}

function describe(problem: AjvProblem, env: Readonly<Record<string, string | undefined>>): string {
  const name = problem.instancePath.replace(/^\//, '');
  const allowed = problem.params?.allowedValues ? ` (${problem.params.allowedValues.join(', ')})` : '';
  const given = env[name];
  // Only variables without secrets are echoed back; a URL is echoed redacted.
  const shown = name === 'INTERNAL_SERVICE_SECRET' || given === undefined ? '' : `, got "${redactUrl(given)}"`;
  return `${name} ${problem.message ?? 'is invalid'}${allowed}${shown}`;
}

/**
 * Why a secret could never match the `x-service-secret` header, or null. A header carries visible ASCII
 * and inner spaces; HTTP strips a value's leading and trailing whitespace, and a character outside ASCII
 * arrives as whatever bytes the client chose (UTF-8 from a shell or most libraries) that Node then reads
 * as Latin-1, so such a secret would answer 401 to every call. The secret itself is never quoted.
 */
function unusableSecret(secret: string): string | null {
  if (secret !== secret.trim()) {
    return (
      'INTERNAL_SERVICE_SECRET begins or ends with whitespace (a space, tab or line break): HTTP strips it from a header value, so every call ' +
      'would be refused (401). Remove it'
    );
  }
  if (!/^[\x20-\x7e]*$/.test(secret)) {
    return (
      'INTERNAL_SERVICE_SECRET holds a character outside printable ASCII (a letter with an accent, an emoji, a control character): an HTTP ' +
      'header cannot carry it as written, so every call would be refused (401). Use printable ASCII only'
    );
  }
  return null;
}

/**
 * Reads the service's variables from `env` (never from `process.env` itself). An unset or empty plane URL
 * means the plane's SQLite file in `dataDir`, exactly as the operator commands resolve it. Throws a
 * ConfigError listing every problem at once.
 */
export function loadConfig(
  definition: ServiceDefinition,
  env: Readonly<Record<string, string | undefined>>,
  dataDir: string,
  isTerminal = false,
): ServiceConfig {
  // Unset and empty mean the same, as for the operator commands.
  const given = Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => typeof entry[1] === 'string' && entry[1].trim() !== ''));
  const problems: string[] = [];
  let values: Record<string, unknown> = {};
  try {
    values = envSchema({ schema: schemaFor(definition), data: given, env: false, dotenv: false }) as Record<string, unknown>;
  } catch (error) {
    const errors = (error as { errors?: AjvProblem[] }).errors;
    if (!errors) throw error;
    problems.push(...errors.map((p) => describe(p, given)));
  }
  const urlVariable = definition.plane.urlVariable;
  const databaseSource = given[urlVariable] === undefined ? 'default' : 'variable';
  const databaseUrl = given[urlVariable]?.trim() || `sqlite:${join(dataDir, definition.plane.sqliteFile)}`;
  let database: DatabaseTarget | undefined;
  try {
    database = parseDatabaseUrl(databaseUrl);
  } catch (error) {
    problems.push(`${urlVariable}: ${redactUrl((error as Error).message)}`);
  }
  let migrationDatabase = database;
  if (given.MIGRATION_DATABASE_URL) {
    try {
      migrationDatabase = parseDatabaseUrl(given.MIGRATION_DATABASE_URL);
      if (database && migrationDatabase.kind !== database.kind) problems.push(`MIGRATION_DATABASE_URL must name the same kind of database as ${urlVariable}`);
    } catch (error) {
      problems.push(`MIGRATION_DATABASE_URL: ${redactUrl((error as Error).message)}`);
    }
  }
  const secretProblem = given.INTERNAL_SERVICE_SECRET === undefined ? null : unusableSecret(given.INTERNAL_SERVICE_SECRET);
  if (secretProblem) problems.push(secretProblem);
  if (problems.length > 0 || !database || !migrationDatabase) throw new ConfigError(problems);
  const seconds = (name: string) => (values[name] === undefined ? undefined : (values[name] as number) * 1000);
  const migration = Object.fromEntries(
    Object.entries({
      ddlLockTimeoutMs: seconds('MIGRATION_DDL_LOCK_TIMEOUT_SECONDS'),
      lockRetries: values.MIGRATION_LOCK_RETRIES as number | undefined,
      concurrentLockTimeoutMs: seconds('MIGRATION_CONCURRENT_LOCK_TIMEOUT_SECONDS'),
      connectWaitMs: seconds('MIGRATION_CONNECT_WAIT_SECONDS') ?? DEFAULT_CONNECT_WAIT_SECONDS * 1000,
    }).filter(([, v]) => v !== undefined),
  );
  return Object.freeze({
    plane: definition.plane.registry.plane,
    port: values.PORT as number,
    host: values.HOST as string,
    database,
    internalServiceSecret: (values.INTERNAL_SERVICE_SECRET as string | undefined) ?? null,
    migrateOnStartup: values.MIGRATE_ON_STARTUP as boolean,
    lockTimeoutMs: (values.MIGRATION_LOCK_TIMEOUT_SECONDS as number) * 1000,
    batchMigrations: values.MIGRATION_BATCH as boolean,
    logLevel: values.LOG_LEVEL as ServiceConfig['logLevel'],
    logFormat: resolveLogFormat(given, isTerminal),
    connectWaitMs: seconds('MIGRATION_CONNECT_WAIT_SECONDS') ?? DEFAULT_CONNECT_WAIT_SECONDS * 1000,
    databaseSource,
    migrationDatabase,
    migration,
  });
}

/** What the boot log shows of the configuration: no secret, the database redacted. */
export function describeConfig(config: ServiceConfig): Record<string, unknown> {
  return {
    plane: config.plane,
    port: config.port,
    host: config.host,
    database: config.database.redacted,
    migrationDatabase: config.migrationDatabase.redacted,
    migration: config.migration,
    connectWaitSeconds: config.connectWaitMs / 1000,
    migrateOnStartup: config.migrateOnStartup,
    lockTimeoutSeconds: config.lockTimeoutMs / 1000,
    batchMigrations: config.batchMigrations,
    serviceSecretConfigured: config.internalServiceSecret !== null,
  };
}
