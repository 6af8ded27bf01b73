import {
  createDialect,
  readPostgresHistoryWith,
  readSqliteHistoryWith,
  type DatabaseTarget,
  type Dialect,
  type History,
  type SqlVariant,
} from '@atlasai/migrator-core';
import Database from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, sql } from 'kysely';
import type pg from 'pg';
import type { ServiceConfig } from './config.js';
import { engineLogger, type PinoLogger } from './logger.js';
import { prepareSqliteFile, sqliteFileError } from './sqlite-file.js';
import { waitForDatabase } from './wait-for-database.js';

/** How long a SQLite statement waits for another connection's write lock before failing. */
export const SQLITE_BUSY_TIMEOUT_MS = 5_000;

/** The service's database: Kysely for application queries, the engine's dialect for migrations. */
export interface ServiceDatabase<DB> {
  readonly kind: SqlVariant;
  readonly db: Kysely<DB>;
  /** The engine's view of the same database (through `MIGRATION_DATABASE_URL` when set): migrations and status. */
  readonly migrationDialect: Dialect;
  /**
   * `schema_migrations` read through the application's own pool or handle (one SELECT, no lock, no new
   * connection): what health and the schema guards read. `null` when there is no history table yet.
   */
  readHistory(): Promise<History | null>;
  close(): Promise<void>;
}

/** SQLite's answers that mean the file (or its folder) is not usable as configured, not a passing failure. */
const FILE_PROBLEMS = /^SQLITE_(CANTOPEN|READONLY|NOTADB|PERM|AUTH)/;

function openSqlite(path: string): Database.Database {
  if (path !== ':memory:') prepareSqliteFile(path);
  let database: Database.Database | undefined;
  try {
    database = new Database(path);
    // WAL lets the engine's CLI and this service read while the other writes; busy_timeout makes writers queue.
    database.pragma('journal_mode = WAL');
    database.pragma(`busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);
    database.pragma('foreign_keys = ON');
    return database;
  } catch (error) {
    database?.close();
    if (FILE_PROBLEMS.test((error as { code?: string }).code ?? '')) throw sqliteFileError(path, path, 'open', error);
    throw error;
  }
}

/**
 * The pool connects to the parsed target (a keyword/value string arrives here as the URL pg reads), never to
 * the raw text. pg is loaded here, so that a service on SQLite never loads it (~65 ms of its boot).
 */
async function openPostgres(config: ServiceConfig, target: Extract<DatabaseTarget, { kind: 'postgres' }>, log: PinoLogger): Promise<pg.Pool> {
  const { default: driver } = await import('pg');
  const pool = new driver.Pool({
    connectionString: target.url,
    application_name: `atlasai-${config.plane}-plane`,
    max: 10,
    connectionTimeoutMillis: 5_000,
  });
  // An idle client's error (the server restarted) must not crash the process; the next query reconnects.
  pool.on('error', (error) => log.warn({ err: { message: error.message } }, 'idle database connection lost'));
  return pool;
}

/**
 * Opens the plane's database (a pg pool, or one better-sqlite3 connection in WAL mode with a busy timeout)
 * and checks that it answers: PostgreSQL keeps trying a database that is not reachable yet for
 * `config.connectWaitMs`, one log line per try. Throws when it does not; the caller decides what that means.
 */
export async function openDatabase<DB>(config: ServiceConfig, log: PinoLogger): Promise<ServiceDatabase<DB>> {
  const target = config.database;
  let readHistory: () => Promise<History | null>;
  let dialect: PostgresDialect | SqliteDialect;
  if (target.kind === 'postgres') {
    const pool = await openPostgres(config, target, log);
    readHistory = () => readPostgresHistoryWith((text) => pool.query(text), target.redacted);
    dialect = new PostgresDialect({ pool });
  } else {
    const handle = openSqlite(target.path);
    readHistory = async () => readSqliteHistoryWith(handle, target.path);
    dialect = new SqliteDialect({ database: handle });
  }
  const db = new Kysely<DB>({ dialect });
  try {
    const firstQuery = async () => {
      await sql`SELECT 1`.execute(db);
    };
    if (target.kind === 'postgres') await waitForDatabase(firstQuery, { waitMs: config.connectWaitMs, target: target.redacted, log });
    else await firstQuery();
  } catch (error) {
    await db.destroy().catch(() => undefined);
    throw error;
  }
  // Migrations (and the catalog reads of status) may go through their own URL: a direct or session-pooled
  // connection where the application's goes through a transaction pooler. Its session waits for the
  // database as long as the pool did (the engine's own wait, the same bound).
  const migrationDialect = await createDialect(
    config.migrationDatabase,
    engineLogger(log.child({ database: config.migrationDatabase.redacted })),
    config.migration,
  );
  let closed: Promise<void> | undefined;
  return {
    kind: target.kind,
    db,
    migrationDialect,
    readHistory,
    close: () => (closed ??= db.destroy()),
  };
}
