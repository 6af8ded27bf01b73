import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { createDialect, type Dialect } from '@atlasai/migrator-core';
import Database from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, sql } from 'kysely';
import pg from 'pg';
import type { ServiceConfig } from './config.js';
import { engineLogger, type PinoLogger } from './logger.js';

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

function openSqlite(path: string): Database.Database {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const database = new Database(path);
  // WAL lets the engine's CLI and this service read while the other writes; busy_timeout makes writers queue.
  database.pragma('journal_mode = WAL');
  database.pragma(`busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);
  database.pragma('foreign_keys = ON');
  return database;
}

function openPostgres(config: ServiceConfig, log: PinoLogger): pg.Pool {
  const pool = new pg.Pool({
    connectionString: config.databaseUrl,
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
    target.kind === 'postgres' ? new PostgresDialect({ pool: openPostgres(config, log) }) : new SqliteDialect({ database: openSqlite(target.path) });
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
