import type { Logger } from '@atlasai/migrator-core';
import { inTransaction } from './control-db.js';
import { settleRun, type SendJobs } from './runs.js';
import type pg from 'pg';

/** pg-boss's schema (its default, which openFleet keeps). */
const BOSS_SCHEMA = 'pgboss';

/** The error an item gets when the replica that ran it died and its job went past its retries. */
export const REPLICA_LOST = 'REPLICA_LOST';

/**
 * Items left `running` by a replica that died (SIGKILL, a lost machine). Its job stays `active` until
 * pg-boss's maintenance expires it; then the item follows the job:
 * - the job waits for a retry (`retry`, `created`): the item becomes `retrying`, and whichever replica
 *   fetches the job claims it again;
 * - the job is past its retries (`failed`), or was completed, cancelled or archived while the item still
 *   says `running`: the item becomes `failed` with `REPLICA_LOST`, counted against its wave's budget, so
 *   the run goes on (or halts) instead of waiting forever; `retry --failed` requeues it.
 * A live replica's item is never touched: its job is `active` for as long as the tenant runs (the job's
 * expiry is longer than the tenant's deadline). Returns how many items it changed.
 */
export async function reconcileLostItems(pool: pg.Pool, queue: string, send: SendJobs, logger: Logger): Promise<number> {
  return inTransaction(pool, async (db) => {
    const { rows } = await db.query<{ run_id: string; tenant_id: string; owner: string | null; job_state: string | null; run_state: string }>(
      `SELECT i.run_id, i.tenant_id, i.owner, j.state::text AS job_state, r.state AS run_state
         FROM fleet.items i
         JOIN fleet.runs r ON r.id = i.run_id
         LEFT JOIN ${BOSS_SCHEMA}.job j ON j.name = $1 AND j.id::text = i.job_id
        WHERE i.state = 'running' AND (j.id IS NULL OR j.state <> 'active')
        FOR UPDATE OF i SKIP LOCKED`,
      [queue],
    );
    if (rows.length === 0) return 0;
    for (const row of rows) {
      const retried = row.job_state === 'retry' || row.job_state === 'created';
      // A cancelled run's jobs are set aside by whichever replica fetches them: its lost item is cancelled.
      const state = row.run_state === 'cancelled' ? 'cancelled' : retried ? 'retrying' : 'failed';
      const error = {
        code: REPLICA_LOST,
        message: retried
          ? `the replica ${row.owner ?? '?'} stopped while migrating this tenant (its job expired); it is retried`
          : `the replica ${row.owner ?? '?'} stopped while migrating this tenant and its job is past its retries; nothing unfinished was recorded (the engine's transaction and lock): retry it`,
      };
      await db.query(
        `UPDATE fleet.items SET state = $3, owner = NULL, error = $4, finished_at = CASE WHEN $3 = 'retrying' THEN NULL ELSE now() END, updated_at = now()
          WHERE run_id = $1 AND tenant_id = $2`,
        [row.run_id, row.tenant_id, state, JSON.stringify(error)],
      );
      logger.warn(`a fleet tenant lost its replica; it is ${state}`, { runId: row.run_id, tenantId: row.tenant_id, replica: row.owner });
    }
    for (const runId of new Set(rows.map((r) => r.run_id))) await settleRun(db, runId, send);
    return rows.length;
  });
}
