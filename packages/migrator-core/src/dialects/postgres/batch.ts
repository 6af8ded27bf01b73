import type pg from 'pg';
import { CommitUnknownError, type BatchedMigration } from '../../dialect.js';

/**
 * Several transactional migrations in one transaction and three round trips, however many statements
 * they have: their statements, each followed by the check of its deferred constraints and the session
 * reset ending in a timestamp, in one simple query; their history rows in one parameterised INSERT, each
 * with its migration's own end time; COMMIT. Each migration commits together with its history row (the
 * whole batch does, or none of it). Anything short of a clean run (a statement failed,
 * or the server said something already existed, which only the statement-by-statement path can
 * attribute to a statement) rolls the batch back and returns null, and the runner replays its migrations
 * one by one: a failure is reported exactly as without batches, naming the migration and the statement.
 * The session's DDL lock_timeout applies to the batch as to any statement: a lock not available ends the
 * batch, and the replay retries it with the blockers named.
 */

/** What the batch needs of the session: its pinned client, transaction state, notices and reset. */
export interface BatchSession {
  query(text: string, values?: unknown[]): Promise<pg.QueryResult | pg.QueryResult[]>;
  transactionStatus(): 'I' | 'T' | 'E';
  /** Notices received since the last call, which clears them. */
  takeNotices(): readonly { code?: string | undefined }[];
  /**
   * The statements that reset the session after a migration (what `resetState` sends), the last of them
   * a SELECT whose first column is `BATCH_MARK_COLUMN`.
   */
  readonly resetAndMarkSql: string;
  /** The schema-qualified history table. */
  readonly history: string;
  /** SQLSTATEs of notices that mean an IF NOT EXISTS found its object. */
  readonly alreadyExists: ReadonlySet<string>;
}

/**
 * The server's clock in ms, as the first column of a SELECT: each migration's duration is the difference
 * of the marks around it. `date_part` computes in float8 (`extract` in numeric, slower).
 */
export const BATCH_MARK_COLUMN = "date_part('epoch', clock_timestamp()) * 1000 AS atlas_batch_mark";
const MARK = `SELECT ${BATCH_MARK_COLUMN}`;

/**
 * What COMMIT would check of a migration alone, checked at its end inside the batch: SET CONSTRAINTS ALL
 * IMMEDIATE fires every deferred constraint check still pending, and a violation fails the batch (the
 * replay then fails that migration alone, at its COMMIT). In a savepoint rolled back at once, because
 * the constraint modes cannot otherwise be put back: the next migration starts with each constraint's
 * own INITIALLY DEFERRED or IMMEDIATE, as in a transaction of its own (checks that passed fire again at
 * COMMIT; rows are unchanged). A migration that sets constraint modes itself never shares a transaction
 * (apply-batch.ts).
 */
export const CHECK_DEFERRED =
  'SAVEPOINT atlas_deferred;\nSET CONSTRAINTS ALL IMMEDIATE;\nROLLBACK TO SAVEPOINT atlas_deferred;\nRELEASE SAVEPOINT atlas_deferred';

/** Runs the batch; returns each migration's duration in ms, or null after rolling back. */
export async function applyPostgresBatch(session: BatchSession, batch: readonly BatchedMigration[]): Promise<number[] | null> {
  const parts = ['BEGIN', MARK];
  for (const migration of batch) {
    // "\n;\n", not ";": a statement may end in a line comment.
    for (const statement of migration.statements) parts.push(statement.sql ?? statement.text);
    parts.push(CHECK_DEFERRED, session.resetAndMarkSql);
  }
  session.takeNotices();
  let results: pg.QueryResult | pg.QueryResult[];
  try {
    results = await session.query(parts.join('\n;\n'));
  } catch (error) {
    if ((error as pg.DatabaseError).code === undefined) throw error;
    // Unconditionally: a failed query can settle before the server's ReadyForQuery says the transaction
    // is aborted, and the batch's first statement was BEGIN.
    await session.query('ROLLBACK');
    return null;
  }
  if (session.takeNotices().some((n) => n.code !== undefined && session.alreadyExists.has(n.code)) || session.transactionStatus() !== 'T') {
    await rollback(session);
    return null;
  }
  const marks = (Array.isArray(results) ? results : [results])
    .filter((r) => r.fields[0]?.name === 'atlas_batch_mark')
    .map((r) => Number(r.rows[0]?.atlas_batch_mark));
  const durations = batch.map((_, i) => Math.max(0, Math.round(marks[i + 1]! - marks[i]!)));
  try {
    // applied_at: each migration's own end (its mark, the server's clock in ms), as a migration alone
    // records the clock when its row is written; now() would be the batch's start for every row.
    await session.query(
      `INSERT INTO ${session.history} (version, name, checksum, checksum_algorithm, execution_ms, outcome, applied_at, statements_checksum)
       SELECT v, n, c, a, e, 'applied', to_timestamp(t / 1000), s FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::int[], ` +
        `$6::float8[], $7::text[]) AS r(v, n, c, a, e, t, s)`,
      [
        batch.map((m) => m.record.version),
        batch.map((m) => m.record.name),
        batch.map((m) => m.record.checksum),
        batch.map((m) => m.record.checksumAlgorithm),
        durations,
        marks.slice(1, batch.length + 1),
        batch.map((m) => m.record.statementsChecksum),
      ],
    );
  } catch (error) {
    if ((error as pg.DatabaseError).code === undefined) throw error;
    await session.query('ROLLBACK');
    return null;
  }
  try {
    await session.query('COMMIT');
  } catch (error) {
    // A COMMIT cut off may have committed; one the server refused (a deferred constraint) rolled back.
    if ((error as pg.DatabaseError).code === undefined) throw new CommitUnknownError(error);
    return null;
  }
  return durations;
}

async function rollback(session: BatchSession): Promise<void> {
  if (session.transactionStatus() !== 'I') await session.query('ROLLBACK');
}
