import type { Logger } from '@atlasai/migrator-core';
import { inTransaction } from './control-db.js';
import { settleRun, type SendJobs } from './runs.js';
import type pg from 'pg';
import type PgBoss from 'pg-boss';

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
          : `the replica ${row.owner ?? '?'} stopped while migrating this tenant and its job is past its retries; nothing unfinished was recorded ` +
            `(the engine's transaction and lock): retry it`,
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

export interface ReconcilerConfig {
  readonly pool: pg.Pool;
  readonly boss: PgBoss;
  readonly send: SendJobs;
  readonly logger: Logger;
  readonly queue: string;
  /** This process's interval (its pg-boss maintenance interval). */
  readonly intervalMs: number;
}

/**
 * Expires dead replicas' jobs (pg-boss's own expiry, advisory-locked inside pg-boss, so replicas doing it
 * at once is harmless) and reconciles their items, now and then as often as the most demanding live run
 * asks (its job policy's `maintenanceIntervalSeconds`), or this process's interval when shorter. pg-boss's
 * maintenance alone runs on the processes' own intervals: a run created with a short one would wait for
 * replicas configured with a long one, past the takeover bound the run states. Returns a stop function.
 */
export function startReconciler(c: ReconcilerConfig): () => void {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const tick = async () => {
    let next = c.intervalMs;
    try {
      await c.boss.expire();
      await reconcileLostItems(c.pool, c.queue, c.send, c.logger);
      const { rows } = await c.pool.query<{ seconds: number | null }>(
        `SELECT min((job_policy->>'maintenanceIntervalSeconds')::float8) AS seconds FROM fleet.runs WHERE state IN ('running', 'paused')`,
      );
      const seconds = rows[0]?.seconds;
      if (seconds && seconds > 0) next = Math.min(next, seconds * 1000);
    } catch (error) {
      if (!stopped) c.logger.warn('looking for tenants of a lost replica failed; trying again', { error: (error as Error).message });
    }
    if (stopped) return;
    timer = setTimeout(() => void tick(), next);
    timer.unref();
  };
  void tick();
  return () => {
    stopped = true;
    if (timer) clearTimeout(timer);
  };
}
