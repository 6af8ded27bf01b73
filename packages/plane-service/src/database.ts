import { createDialect, type DatabaseTarget, type Dialect } from '@atlasai/migrator-core';
import Database from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, sql } from 'kysely';
import pg from 'pg';
import type { ServiceConfig } from './config.js';
import { engineLogger, type PinoLogger } from './logger.js';
import { prepareSqliteFile, sqliteFileError } from './sqlite-file.js';

/** How long a SQLite statement waits for another connection's write lock before failing. */
export const SQLITE_BUSY_TIMEOUT_MS = 5_000;

/** The service's database: Kysely for application queries, the engine's dialect for migrations. */
export interface ServiceDatabase<DB> {
  readonly kind: 'postgres' | 'sqlite';
  readonly db: Kysely<DB>;
  /** The engine's view of the same database: migrations and the history read of health and status. */
  readonly engine: Dialect;
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

/** The pool connects to the parsed target (a keyword/value string arrives here as the URL pg reads), never to the raw text. */
function openPostgres(config: ServiceConfig, target: Extract<DatabaseTarget, { kind: 'postgres' }>, log: PinoLogger): pg.Pool {
  const pool = new pg.Pool({
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
 * and checks that it answers. Throws when it does not; the caller decides what that means.
 */
export async function openDatabase<DB>(config: ServiceConfig, log: PinoLogger): Promise<ServiceDatabase<DB>> {
  const target = config.database;
  const dialect =
    target.kind === 'postgres' ? new PostgresDialect({ pool: openPostgres(config, target, log) }) : new SqliteDialect({ database: openSqlite(target.path) });
  const db = new Kysely<DB>({ dialect });
  try {
    await sql`SELECT 1`.execute(db);
  } catch (error) {
    await db.destroy().catch(() => undefined);
    throw error;
  }
  // Migrations (and the history reads of health and status) may go through their own URL: a direct or
  // session-pooled connection where the application's goes through a transaction pooler.
  const engine = await createDialect(config.migrationDatabase, engineLogger(log), config.migration);
  let closed: Promise<void> | undefined;
  return {
    kind: target.kind,
    db,
    engine,
    close: () => (closed ??= db.destroy()),
  };
}
