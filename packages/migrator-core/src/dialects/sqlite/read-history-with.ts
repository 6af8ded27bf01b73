import { historyFromRows, type History } from '../../dialect.js';
import { MigratorError, messageOf } from '../../errors.js';
import { HISTORY_COLUMNS } from '../postgres/history.js';

/** The part of a better-sqlite3 handle the read needs (so importing this loads no driver). */
export interface SqliteHandle {
  prepare(sql: string): { all(): unknown[]; columns(): { name: string }[] };
}

/**
 * The history read through a handle the caller already has open, such as a service's own connection
 * (WAL: it sees what another connection committed). `target` is the file a failure names.
 */
export function readSqliteHistoryWith(db: SqliteHandle, target: string): History | null {
  let rows: Record<string, unknown>[];
  let columns: Set<string>;
  try {
    const statement = db.prepare('SELECT * FROM schema_migrations');
    rows = statement.all() as Record<string, unknown>[];
    // Only after a step: preparing may use a schema cached before another connection altered the table.
    columns = new Set(statement.columns().map((c) => c.name));
  } catch (error) {
    if (/^no such table/.test(messageOf(error))) return null;
    throw new MigratorError('HISTORY_INVALID', `Cannot read schema_migrations of ${target}: ${messageOf(error)}`, { cause: error });
  }
  // The recorded columns are the same names in both dialects (their types differ).
  return historyFromRows(columns, rows, Object.keys(HISTORY_COLUMNS));
}
