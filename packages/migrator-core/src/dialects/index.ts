import type { Dialect } from '../dialect.js';
import type { Logger } from '../logger.js';
import { parseDatabaseUrl, type DatabaseTarget } from '../target.js';

export interface DialectOptions {
  /**
   * PostgreSQL: the schema the plane owns (default `public`). Its history table lives there, and every
   * migration starts with `search_path` set to it alone. SQLite has one schema and ignores it.
   */
  readonly schema?: string;
}

/**
 * The dialect for a database URL. Each dialect module is loaded only when used, so a PostgreSQL-only
 * deployment never loads the SQLite driver (and the reverse).
 */
export async function createDialect(target: DatabaseTarget | string, logger: Logger, options: DialectOptions = {}): Promise<Dialect> {
  const parsed = typeof target === 'string' ? parseDatabaseUrl(target) : target;
  if (parsed.kind === 'postgres') {
    const { createPostgresDialect } = await import('./postgres.js');
    return createPostgresDialect({ url: parsed.url, redacted: parsed.redacted, logger, ...(options.schema === undefined ? {} : { schema: options.schema }) });
  }
  const { createSqliteDialect } = await import('./sqlite.js');
  return createSqliteDialect({ path: parsed.path, logger });
}
