import type pg from 'pg';
import { inTransaction } from './control-db.js';
import { settleRun, type SendJobs } from './runs.js';
import type { TenantOutcome } from './tenant-job.js';

/**
 * Records how an attempt on a tenant ended, on the item this job claimed (a job that lost its claim
 * changes nothing), and says what to do with the job: `retry` (fail it so pg-boss retries it after its
 * backoff) or `complete`.
 * - `queued` (this replica is shutting down): the attempt does not count, a new job is sent at once.
 * - a transient failure while attempts remain: `retrying`.
 * - anything else is final: the item, the tenant's schema status, and the run's next step (settleRun).
 */
export async function recordOutcome(
  pool: pg.Pool,
  send: SendJobs,
  job: { runId: string; tenantId: string; jobId: string },
  outcome: TenantOutcome,
  attemptsRemain: boolean,
): Promise<'retry' | 'complete'> {
  const { runId, tenantId, jobId } = job;
  const mine = `run_id = $1 AND tenant_id = $2 AND job_id = $3 AND state = 'running'`;
  const error = outcome.error === null ? null : JSON.stringify(outcome.error);
  if (outcome.state === 'queued') {
    await inTransaction(pool, async (db) => {
      await db.query(`UPDATE fleet.items SET state = 'queued', attempts = attempts - 1, owner = NULL, updated_at = now() WHERE ${mine}`, [
        runId,
        tenantId,
        jobId,
      ]);
      await send(db, [{ runId, tenantId }]);
    });
    return 'complete';
  }
  if (outcome.transient && attemptsRemain) {
    await pool.query(`UPDATE fleet.items SET state = 'retrying', owner = NULL, error = $4, updated_at = now() WHERE ${mine}`, [runId, tenantId, jobId, error]);
    return 'retry';
  }
  await inTransaction(pool, async (db) => {
    const updated = await db.query<{ tenant_name: string | null; target: string }>(
      `UPDATE fleet.items SET state = $4, owner = NULL, error = $5, version = $6, pending = $7, drift = $8, finished_at = now(), updated_at = now() ` +
        `WHERE ${mine}
       RETURNING tenant_name, target`,
      [runId, tenantId, jobId, outcome.state, error, outcome.version, outcome.pending, outcome.drift],
    );
    const row = updated.rows[0];
    if (row && outcome.state !== 'cancelled' && outcome.state !== 'skipped') {
      const status = outcome.state !== 'succeeded' ? outcome.state : outcome.drift ? 'drifted' : (outcome.pending ?? 0) > 0 ? 'behind' : 'current';
      await db.query(
        `INSERT INTO fleet.tenant_status (tenant_id, tenant_name, target, state, version, pending, drift, error, run_id, checked_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, now())
         ON CONFLICT (tenant_id) DO UPDATE SET tenant_name = EXCLUDED.tenant_name, target = EXCLUDED.target, state = EXCLUDED.state,
           version = coalesce(EXCLUDED.version, fleet.tenant_status.version), pending = EXCLUDED.pending, drift = coalesce(EXCLUDED.drift, ` +
          `fleet.tenant_status.drift),
           error = EXCLUDED.error, run_id = EXCLUDED.run_id, checked_at = now()`,
        [tenantId, row.tenant_name, row.target, status, outcome.version, outcome.pending, outcome.drift, error, runId],
      );
    }
    await settleRun(db, runId, send);
  });
  return 'complete';
}
