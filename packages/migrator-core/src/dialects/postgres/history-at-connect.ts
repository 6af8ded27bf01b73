import type pg from 'pg';
import type { History } from '../../dialect.js';
import { readHistoryResult } from './history.js';
import { PostgresSession, type SessionContext } from './session.js';

/** No history table, or not even the plane's schema yet (as `readHistory` reads them: nothing applied). */
const NO_TABLE = new Set(['42P01', '3F000']);

/**
 * Runs the session's set-up query and reads the history table in the same round trip (one simple query
 * of two statements). When the read fails, PostgreSQL rolled the whole query back: the set-up runs again
 * alone, and the history is `null` when there is no table, or left to `readHistory` (undefined), which
 * says what else went wrong.
 */
export async function setUpReadingHistory<R extends pg.QueryResultRow>(client: pg.Client, setUpSql: string, historyTable: string): Promise<{ rows: R[]; history: History | null | undefined }> {
  try {
    const results = (await client.query(`${setUpSql}; SELECT * FROM ${historyTable}`)) as unknown as pg.QueryResult[];
    return { rows: results[0]!.rows as R[], history: readHistoryResult(results[1]!) };
  } catch (error) {
    const code = (error as pg.DatabaseError).code;
    if (code === undefined) throw error;
    const { rows } = await client.query<R>(setUpSql);
    return { rows, history: NO_TABLE.has(code) ? null : undefined };
  }
}

/** A session whose first `readHistory()` returns the rows read while it was set up (`historyFirst`). */
export class SessionWithHistory extends PostgresSession {
  constructor(
    ctx: SessionContext,
    private first: History | null | undefined,
  ) {
    super(ctx);
  }

  override async readHistory(): Promise<History | null> {
    const first = this.first;
    this.first = undefined;
    return first === undefined ? super.readHistory() : first;
  }

  /** Rows read before the lock must never stand for a read under it. */
  override async withLock<T>(timeoutMs: number, fn: () => Promise<T>, onWait?: (holder: string) => void): Promise<T> {
    this.first = undefined;
    return super.withLock(timeoutMs, fn, onWait);
  }
}
