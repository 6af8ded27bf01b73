import { MigrationFailure, failure } from './apply-migration.js';
import { CommitUnknownError, type Session, type Statement } from './dialect.js';
import { CHECKSUM_ALGORITHM, type Migration } from './migration.js';
import type { AppliedMigration } from './report.js';
import { statementsChecksumOf } from './dialects/statements-checksum.js';

/**
 * Batches of migrations: consecutive transactional migrations applied in one transaction and a constant
 * number of round trips (where the dialect can: `Session.applyBatch`), each committed with its history
 * row. Batches start at one migration and double while they stay fast, so a run's first migration and a
 * slow one run alone, on the statement-by-statement path with its exact heartbeats. A batch that does
 * not apply cleanly is rolled back whole and replayed one migration at a time by the runner: failures
 * and "already exists" are then handled, and reported, exactly as without batches.
 */

/** A batch grows to at most this many migrations… */
export const MAX_BATCH = 256;
/** …and this much SQL; a migration larger than `MAX_BATCHED_SQL` always runs alone. */
const MAX_BATCH_SQL = 1 << 20;
const MAX_BATCHED_SQL = 1 << 18;
/** A batch that took longer than this does not grow. */
const FAST_BATCH_MS = 250;

/** The size of the next batch after one of `size` migrations that took `ms` (null: it was rolled back). */
export function nextBatchSize(size: number, ms: number | null): number {
  if (ms === null) return 1;
  return ms <= FAST_BATCH_MS ? Math.min(size * 2, MAX_BATCH) : Math.max(1, Math.floor(size / 2));
}

/** Up to `size` pending migrations from `from` that may share a transaction; at least one migration. */
export function takeBatch(session: Session, pending: readonly Migration[], from: number, size: number): Migration[] {
  const batch: Migration[] = [pending[from]!];
  if (!session.applyBatch || !batchable(session, pending[from]!)) return batch;
  let sql = pending[from]!.scripts[session.sqlVariant].sql.length;
  for (let i = from + 1; i < pending.length && batch.length < size; i++) {
    const migration = pending[i]!;
    sql += migration.scripts[session.sqlVariant].sql.length;
    if (!batchable(session, migration) || sql > MAX_BATCH_SQL) break;
    batch.push(migration);
  }
  return batch;
}

/**
 * A migration that sets constraint modes (SET CONSTRAINTS) runs in a transaction of its own: the modes
 * last until COMMIT, and no statement puts back each constraint's own, so they would reach the
 * migrations after it in a batch.
 */
const SETS_CONSTRAINT_MODES = /\bSET\s+CONSTRAINTS\b/i;

function batchable(session: Session, migration: Migration): boolean {
  const script = migration.scripts[session.sqlVariant];
  return script.transactional && script.sql.length <= MAX_BATCHED_SQL && !SETS_CONSTRAINT_MODES.test(script.sql);
}

/**
 * Applies a batch of two or more migrations. Returns what each came to, or null when the batch was
 * rolled back and its migrations must be replayed one by one. Throws a MigrationFailure only when the
 * connection failed (naming the batch's first migration; `unknown` when that was during COMMIT).
 */
export async function applyBatch(
  session: Session,
  plane: string,
  batch: readonly Migration[],
  prepared: ReadonlyMap<number, readonly Statement[]>,
  heartbeat: { everyMs: number; beat: (elapsedMs: number) => void },
): Promise<AppliedMigration[] | null> {
  const started = performance.now();
  const timer = setInterval(() => heartbeat.beat(Math.round(performance.now() - started)), heartbeat.everyMs);
  let durations: readonly number[] | null;
  try {
    durations = await session.applyBatch!(
      batch.map((m) => ({
        statements: prepared.get(m.version)!,
        record: {
          version: m.version,
          name: m.name,
          checksum: m.scripts[session.sqlVariant].checksum,
          checksumAlgorithm: CHECKSUM_ALGORITHM,
          statementsChecksum: statementsChecksumOf(m.scripts[session.sqlVariant], session.sqlVariant),
        },
      })),
    );
  } catch (error) {
    const first = batch[0]!;
    throw new MigrationFailure(failure(plane, first, session.sqlVariant, error), {
      transactional: true,
      outcome: error instanceof CommitUnknownError ? 'unknown' : 'rolled-back',
      committedStatements: [],
    });
  } finally {
    clearInterval(timer);
  }
  if (durations === null) {
    // Nothing of it committed; what its statements did to the session went with the rollback, but the
    // replay starts from a session reset all the same.
    await session.resetState();
    return null;
  }
  return batch.map((m, i) => ({ version: m.version, name: m.name, outcome: 'applied', durationMs: durations[i]!, skippedStatements: [], alreadyPresent: [] }));
}
