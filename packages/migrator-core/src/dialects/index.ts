import type { Dialect, DialectOptions } from '../dialect.js';
import { MigratorError, messageOf } from '../errors.js';
import type { Logger } from '../logger.js';
import { parseDatabaseUrl, type DatabaseTarget } from './target.js';
import { installCommand } from './peer-range.js';
import { engineTable } from './postgres/quote.js';

export type { DialectOptions } from '../dialect.js';
export { migrationLockKey } from './postgres/lock-key.js';
export { isTransientConnectError } from './postgres/transient-connect.js';

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
  const { createSqliteDialect } = await loadDriver(() => import('./sqlite/index.js'), 'better-sqlite3', 'SQLite');
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
      throw new MigratorError(
        'CONFIG_INVALID',
        `${database} needs the ${driver} package, an optional peer dependency of @atlasai/migrator-core that is not installed: ${installCommand(driver)}`,
        { cause: error },
      );
    }
    throw error;
  }
}

/** The history table as a dialect names it in SQL: PostgreSQL's schema-qualified and quoted, SQLite's bare. */
export function historyTableName(target: DatabaseTarget, schema?: string): string {
  return target.kind === 'postgres' ? engineTable(schema) : 'schema_migrations';
}

/** The target as the line before a run names it: a SQLite file as `sqlite:<path>`, a PostgreSQL URL redacted. */
export function shownTarget(target: DatabaseTarget): string {
  return target.kind === 'sqlite' ? `sqlite:${target.path}` : target.redacted;
}
