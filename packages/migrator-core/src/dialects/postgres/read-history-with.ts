import type pg from 'pg';
import type { History } from '../../dialect.js';
import { MigratorError, messageOf } from '../../errors.js';
import { readHistoryResult } from './history.js';
import { engineTable } from './quote.js';

/** A query on the caller's own connection or pool: `(text) => pool.query(text)`. */
export type PostgresQuery = (text: string) => Promise<pg.QueryResult>;

/** No history table, or not even the plane's schema yet: nothing was ever applied here. */
const NO_TABLE = new Set(['42P01', '3F000']);

/**
 * The history read (one `SELECT`, no lock, no session setting) through a connection the caller already
 * has, such as a service's application pool. Safe through a transaction pooler: it is one statement
 * outside any transaction, and it leaves nothing behind on the server connection. `target` is the
 * redacted target a failure names. Type-only use of pg: importing this loads no driver.
 */
export async function readPostgresHistoryWith(query: PostgresQuery, target: string, schema = 'public'): Promise<History | null> {
  const table = engineTable(schema);
  let result: pg.QueryResult;
  try {
    result = await query(`SELECT * FROM ${table}`);
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code !== undefined && NO_TABLE.has(code)) return null;
    // A SQLSTATE outside class 08 is the server's answer about the table; anything else is the connection.
    const answered = code !== undefined && code.length === 5 && !code.startsWith('08');
    throw answered
      ? new MigratorError('HISTORY_INVALID', `Cannot read ${table} on ${target}: ${messageOf(error)}`, { cause: error, sqlstate: code })
      : new MigratorError('CONNECTION_FAILED', `Cannot connect to ${target}: ${messageOf(error) || code || 'connection failed'}`, { cause: error });
  }
  return readHistoryResult(result);
}
