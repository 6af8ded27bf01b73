import type { Dialect } from '../dialect.js';
import type { Logger } from '../logger.js';
import { parseDatabaseUrl, type DatabaseTarget } from '../target.js';

/**
 * The dialect for a database URL. Each dialect module is loaded only when used, so a PostgreSQL-only
 * deployment never loads the SQLite driver (and the reverse).
 */
export async function createDialect(target: DatabaseTarget | string, logger: Logger): Promise<Dialect> {
  const parsed = typeof target === 'string' ? parseDatabaseUrl(target) : target;
  if (parsed.kind === 'postgres') {
    const { createPostgresDialect } = await import('./postgres.js');
    return createPostgresDialect({ url: parsed.url, redacted: parsed.redacted, logger });
  }
  const { createSqliteDialect } = await import('./sqlite.js');
  return createSqliteDialect({ path: parsed.path, logger });
}
