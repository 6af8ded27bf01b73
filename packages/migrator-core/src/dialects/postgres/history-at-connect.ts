import type pg from 'pg';
import type { History } from '../../dialect.js';
import { readHistoryResult } from './history.js';
import type { SessionContext } from './session-context.js';
import { PostgresSession } from './session.js';

/** No history table, or not even the plane's schema yet (as `readHistory` reads them: nothing applied). */
const NO_TABLE = new Set(['42P01', '3F000']);

/**
 * What the set-up round trip read of the history table: its result, `null` when there is no table, or
 * undefined when the read failed otherwise (then `readHistory` reads again, and says why).
 */
export type HistoryRead = pg.QueryResult | null | undefined;

/**
 * Runs the session's set-up query and reads the history table in the same round trip (one simple query
 * of two statements). When the read fails, PostgreSQL rolled the whole query back: the set-up runs again
 * alone.
 */
export async function setUpReadingHistory<R extends pg.QueryResultRow>(
  client: pg.Client,
  setUpSql: string,
  historyTable: string,
): Promise<{ rows: R[]; history: HistoryRead }> {
  try {
    const results = (await client.query(`${setUpSql}; SELECT * FROM ${historyTable}`)) as unknown as pg.QueryResult[];
    return { rows: results[0]!.rows as R[], history: results[1]! };
  } catch (error) {
    const code = (error as pg.DatabaseError).code;
    if (code === undefined) throw error;
    const { rows } = await client.query<R>(setUpSql);
    return { rows, history: NO_TABLE.has(code) ? null : undefined };
  }
}

/**
 * A session whose first `readHistory()` returns what was read while it was set up (`historyFirst`),
 * read into a History only then, so a table this engine cannot adopt fails there, as it would have.
 */
export class SessionWithHistory extends PostgresSession {
  constructor(
    ctx: SessionContext,
    private first: HistoryRead,
  ) {
    super(ctx);
  }

  override async readHistory(): Promise<History | null> {
    const first = this.first;
    this.first = undefined;
    if (first === undefined) return super.readHistory();
    return first === null ? null : readHistoryResult(first);
  }

  /** Rows read before the lock must never stand for a read under it. */
  override async withLock<T>(timeoutMs: number, fn: () => Promise<T>, onWait?: (holder: string) => void): Promise<T> {
    this.first = undefined;
    return super.withLock(timeoutMs, fn, onWait);
  }
}
