import type { Dialect } from '../dialect.js';
import { MigratorError, messageOf } from '../errors.js';
import type { Logger } from '../logger.js';
import { parseDatabaseUrl, type DatabaseTarget } from '../target.js';
import { installCommand } from './peer-range.js';

export interface DialectOptions {
  /**
   * PostgreSQL: the schema the plane owns (default `public`). Its history table lives there, and every
   * migration starts with `search_path` set to it alone. SQLite has one schema and ignores it.
   */
  readonly schema?: string;
  /**
   * PostgreSQL: `lock_timeout` of every migration statement, in ms (default 5 s): the longest an
   * application query can queue behind a migration's DDL lock. Services: MIGRATION_DDL_LOCK_TIMEOUT_SECONDS.
   */
  readonly ddlLockTimeoutMs?: number;
  /**
   * PostgreSQL: how many times a transactional migration that could not get its locks (55P03) is rolled
   * back and run again, with exponential backoff and jitter (default 5). Services: MIGRATION_LOCK_RETRIES.
   */
  readonly lockRetries?: number;
  /** PostgreSQL: the first backoff delay before a retry, doubled each time, ±50 % jitter (default 500 ms). */
  readonly lockRetryBaseMs?: number;
  /**
   * PostgreSQL: `lock_timeout` of CONCURRENTLY statements in no-transaction migrations, which wait for
   * older transactions by design (default 10 min). Services: MIGRATION_CONCURRENT_LOCK_TIMEOUT_SECONDS.
   */
  readonly concurrentLockTimeoutMs?: number;
  /**
   * PostgreSQL: how long to keep trying a database that is not reachable yet (refused, DNS failure,
   * starting up), with backoff (default 30 s; 0: one try). Services: MIGRATION_CONNECT_WAIT_SECONDS.
   */
  readonly connectWaitMs?: number;
}

/**
 * The dialect for a database URL. Each dialect module is loaded only when used, so a PostgreSQL-only
 * deployment never loads the SQLite driver (and the reverse).
 */
export async function createDialect(target: DatabaseTarget | string, logger: Logger, options: DialectOptions = {}): Promise<Dialect> {
  const parsed = typeof target === 'string' ? parseDatabaseUrl(target) : target;
  if (parsed.kind === 'postgres') {
    const { createPostgresDialect } = await loadDriver(() => import('./postgres/index.js'), 'pg', 'PostgreSQL');
    const defined = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as DialectOptions;
    return createPostgresDialect({ url: parsed.url, redacted: parsed.redacted, host: parsed.host, logger, ...defined });
  }
  const { createSqliteDialect } = await loadDriver(() => import('./sqlite.js'), 'better-sqlite3', 'SQLite');
  return createSqliteDialect({ path: parsed.path, logger });
}

/**
 * The drivers are optional peer dependencies: a PostgreSQL-only install need not have better-sqlite3
 * (nor its native build). A missing one is a configuration error that says what to install.
 */
async function loadDriver<T>(load: () => Promise<T>, driver: string, database: string): Promise<T> {
  try {
    return await load();
  } catch (error) {
    const code = (error as { code?: string }).code;
    if ((code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') && messageOf(error).includes(`'${driver}'`)) {
      throw new MigratorError('CONFIG_INVALID', `${database} needs the ${driver} package, an optional peer dependency of @atlasai/migrator-core that is not installed: ${installCommand(driver)}`, { cause: error });
    }
    throw error;
  }
}
