import type pg from 'pg';
import type { History } from '../../dialect.js';
import { MigratorError, isMigratorError, messageOf } from '../../errors.js';
import { HISTORY_COLUMNS, createHistory, readHistoryResult } from './history.js';
import { quoteIdent } from './quote.js';
import type { SessionContext, SessionQuery } from './session-context.js';

/** How the session reads its history table, and makes it (or adopts an older runner's): the engine's own work, so a 42501 says which GRANT is missing. */

/** A 42501 of the engine's own work, said with the missing privilege and the GRANTs (undefined for any other failure). */
export type Denied = (what: string, error: unknown) => MigratorError | undefined;
/** A query of the engine's own work: a 42501 is thrown as `Denied` says it. */
export type OwnQuery = (what: string, text: string, values?: unknown[]) => Promise<pg.QueryResult>;

/** The history table's rows, or null where it does not exist yet. */
export async function readSessionHistory(query: SessionQuery, denied: Denied, table: string): Promise<History | null> {
  let result: pg.QueryResult;
  try {
    result = await query(`SELECT * FROM ${table}`);
  } catch (error) {
    // No table, or not even the plane's schema yet: nothing was ever applied here.
    const code = (error as pg.DatabaseError).code;
    if (code === '42P01' || code === '3F000') return null;
    // The engine's own refusal (the guard: TRANSACTION_POOLER, LOCK_LOST) already says what happened.
    if (isMigratorError(error)) throw error;
    throw denied(`Reading ${table}`, error) ?? new MigratorError('HISTORY_INVALID', `Cannot read ${table}: ${messageOf(error)}`, { cause: error });
  }
  return readHistoryResult(result);
}

/** Creates the history table (and the plane's schema), or adopts an older runner's by adding what it lacks. */
export async function prepareSessionHistory(
  query: SessionQuery,
  own: OwnQuery,
  ctx: Pick<SessionContext, 'schema' | 'logger'>,
  table: string,
  history: History | null,
): Promise<void> {
  if (history === null) {
    // CREATE SCHEMA IF NOT EXISTS checks the CREATE privilege on the database even when the schema is there.
    const { rows } = await query<{ present: boolean }>('SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1) AS present', [ctx.schema]);
    if (!rows[0]?.present) await own(`Creating schema ${quoteIdent(ctx.schema)}`, `CREATE SCHEMA IF NOT EXISTS ${quoteIdent(ctx.schema)}`);
    await own(`Creating ${table}`, createHistory(table));
    return;
  }
  const changes = history.missingColumns.map((c) => `ADD COLUMN IF NOT EXISTS ${c} ${HISTORY_COLUMNS[c]}`);
  // Timestamp versions (20240101120000) do not fit an older runner's integer column.
  if (history.narrowVersion) changes.push('ALTER COLUMN version TYPE bigint');
  if (changes.length === 0) return;
  ctx.logger.info('adopting schema_migrations from an older runner', { missingColumns: history.missingColumns, widenVersion: history.narrowVersion });
  await own(`Adopting ${table}`, `ALTER TABLE ${table} ${changes.join(', ')}`);
}
