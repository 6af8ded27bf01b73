import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import { inTransaction, type Queryable } from './control-db.js';
import { selectFleet } from './tenants.js';
import { FleetError, type JobPolicy, type RunSpec } from './types.js';
import { assignWaves, parseWaves, type WaveDef } from './waves.js';

/**
 * Sends one pg-boss job per (run, tenant), in the caller's transaction, each with its run's stored job
 * policy (job-policy.ts), whichever process sends it; `startAfterSeconds` delays them.
 */
export type SendJobs = (db: Queryable, jobs: readonly { runId: string; tenantId: string }[], options?: { startAfterSeconds?: number }) => Promise<void>;

/** Item states a tenant can still leave. */
export const OPEN_STATES = ['queued', 'running', 'retrying'] as const;
/** Item states that count against a wave's failure budget. */
export const FAILED_STATES = ['failed', 'timed_out', 'unreachable'] as const;

interface RunRow {
  id: string;
  state: string;
  waves: WaveDef[];
  current_wave: number;
  accepted_wave: number;
}

/** Short, so that `atlas-fleet:<run>:<replica>` fits the 32 characters the engine's lock stamp keeps of a session's name. */
function newRunId(): string {
  return randomBytes(4).toString('hex');
}

async function lockRun(db: Queryable, id: string): Promise<RunRow> {
  const { rows } = await db.query<RunRow>('SELECT id, state, waves, current_wave, accepted_wave FROM fleet.runs WHERE id = $1 FOR UPDATE', [id]);
  if (!rows[0]) throw new FleetError('FLEET_RUN_NOT_FOUND', `No fleet run ${id}`);
  return rows[0];
}

/** Sends a job for every item of the wave a worker may claim (queued, or waiting for a retry). */
async function enqueueWave(db: Queryable, runId: string, wave: number, send: SendJobs): Promise<number> {
  const { rows } = await db.query<{ tenant_id: string }>(
    `SELECT tenant_id FROM fleet.items WHERE run_id = $1 AND wave = $2 AND state IN ('queued', 'retrying')`,
    [runId, wave],
  );
  if (rows.length > 0)
    await send(
      db,
      rows.map((r) => ({ runId, tenantId: r.tenant_id })),
    );
  return rows.length;
}

/**
 * Moves a running run on once its current wave has no open item: halts it when the wave's failures are
 * over its budget (unless `resume` accepted that wave), else starts the next wave, or finishes the run.
 * Called after every item ends, by whichever replica ended it; the run's row lock serialises them.
 */
export async function settleRun(db: Queryable, runId: string, send: SendJobs): Promise<boolean> {
  const run = await lockRun(db, runId);
  if (run.state !== 'running') return false;
  let wave = run.current_wave;
  let woke = false;
  for (;;) {
    const { rows } = await db.query<{ total: number; open: number; failed: number }>(
      `SELECT count(*)::int AS total,
              count(*) FILTER (WHERE state IN ('queued', 'running', 'retrying'))::int AS open,
              count(*) FILTER (WHERE state IN ('failed', 'timed_out', 'unreachable'))::int AS failed
         FROM fleet.items WHERE run_id = $1 AND wave = $2`,
      [runId, wave],
    );
    const { total, open, failed } = rows[0]!;
    if (open > 0) break;
    const budget = run.waves[wave]?.budget ?? 0;
    if (wave > run.accepted_wave && total > 0 && failed / total > budget + 1e-12) {
      await db.query(`UPDATE fleet.runs SET state = 'halted', current_wave = $2 WHERE id = $1`, [runId, wave]);
      return woke;
    }
    if (wave + 1 >= run.waves.length) {
      const { rows: all } = await db.query<{ failed: number }>(
        `SELECT count(*) FILTER (WHERE state IN ('failed', 'timed_out', 'unreachable', 'cancelled'))::int AS failed FROM fleet.items WHERE run_id = $1`,
        [runId],
      );
      await db.query(`UPDATE fleet.runs SET state = $2, current_wave = $3, finished_at = now() WHERE id = $1`, [
        runId,
        all[0]!.failed > 0 ? 'failed' : 'succeeded',
        wave,
      ]);
      return woke;
    }
    wave += 1;
    if ((await enqueueWave(db, runId, wave, send)) > 0) woke = true;
  }
  if (wave !== run.current_wave) await db.query('UPDATE fleet.runs SET current_wave = $2 WHERE id = $1', [runId, wave]);
  return woke;
}

/** Creates a run: its tenants chosen, their waves and its job policy fixed now, the first wave's jobs sent. */
export async function createRun(pool: pg.Pool, spec: RunSpec, policy: JobPolicy, send: SendJobs): Promise<string> {
  if (!['apply', 'plan', 'scan'].includes(spec.mode))
    throw new FleetError('FLEET_INVALID_SPEC', `Unknown run mode "${String(spec.mode)}": apply, plan or scan`);
  const rules = parseWaves(spec.waves);
  return inTransaction(pool, async (db) => {
    const tenants = await selectFleet(db, spec.filter);
    const { waves, waveOf } = assignWaves(tenants, rules, spec.failureBudget);
    const id = newRunId();
    const stored = { mode: spec.mode, waves: spec.waves ?? '100%', failureBudget: spec.failureBudget ?? null, filter: spec.filter ?? {} };
    await db.query(`INSERT INTO fleet.runs (id, mode, state, waves, spec, created_by, job_policy) VALUES ($1, $2, 'running', $3, $4, $5, $6)`, [
      id,
      spec.mode,
      JSON.stringify(waves),
      JSON.stringify(stored),
      spec.createdBy ?? null,
      JSON.stringify(policy),
    ]);
    const placed = tenants.filter((t) => waveOf.has(t.id));
    if (placed.length > 0) {
      await db.query(
        `INSERT INTO fleet.items (run_id, tenant_id, tenant_name, wave, host, target)
         SELECT $1, * FROM unnest($2::text[], $3::text[], $4::int[], $5::text[], $6::text[])`,
        [id, placed.map((t) => t.id), placed.map((t) => t.name), placed.map((t) => waveOf.get(t.id)!), placed.map((t) => t.host), placed.map((t) => t.target)],
      );
    }
    await enqueueWave(db, id, 0, send);
    await settleRun(db, id, send);
    return id;
  });
}

type Transition = 'pause' | 'resume' | 'retry' | 'cancel';

function refuse(id: string, action: Transition, state: string): FleetError {
  return new FleetError('FLEET_INVALID_TRANSITION', `Cannot ${action} run ${id}: it is ${state}`);
}

/** pause, resume, retry and cancel: each in one transaction on the run's row. */
export async function transition(pool: pg.Pool, id: string, action: Transition, send: SendJobs, options: { failedOnly?: boolean } = {}): Promise<void> {
  await inTransaction(pool, async (db) => {
    const run = await lockRun(db, id);
    if (action === 'pause') {
      if (run.state !== 'running') throw refuse(id, action, run.state);
      // Tenants already running finish; no new one starts (a fetched job of a paused run is set aside).
      await db.query(`UPDATE fleet.runs SET state = 'paused' WHERE id = $1`, [id]);
    } else if (action === 'resume') {
      if (run.state !== 'paused' && run.state !== 'halted') throw refuse(id, action, run.state);
      // Resuming a halted run accepts the halted wave's failures and goes on to the next wave.
      const accepted = run.state === 'halted' ? run.current_wave : run.accepted_wave;
      await db.query(`UPDATE fleet.runs SET state = 'running', accepted_wave = $2 WHERE id = $1`, [id, accepted]);
      await enqueueWave(db, id, run.current_wave, send);
      await settleRun(db, id, send);
    } else if (action === 'retry') {
      if (run.state === 'running' || run.state === 'paused') throw refuse(id, action, run.state);
      const states = options.failedOnly ? ['failed', 'timed_out', 'unreachable'] : ['failed', 'timed_out', 'unreachable', 'cancelled'];
      const { rows } = await db.query<{ wave: number | null }>(
        `WITH requeued AS (UPDATE fleet.items SET state = 'queued', attempts = 0, error = NULL, owner = NULL, job_id = NULL, updated_at = now()
                            WHERE run_id = $1 AND state = ANY ($2) RETURNING wave)
         SELECT min(wave) AS wave FROM requeued`,
        [id, states],
      );
      const from = Math.min(rows[0]?.wave ?? run.current_wave, run.current_wave);
      await db.query(
        `UPDATE fleet.runs SET state = 'running', finished_at = NULL, current_wave = $2, accepted_wave = LEAST(accepted_wave, $2 - 1) WHERE id = $1`,
        [id, from],
      );
      await enqueueWave(db, id, from, send);
      await settleRun(db, id, send);
    } else {
      if (['succeeded', 'failed', 'cancelled'].includes(run.state)) throw refuse(id, action, run.state);
      // Running tenants are aborted by their replicas, which watch for this state.
      await db.query(`UPDATE fleet.runs SET state = 'cancelled', finished_at = now() WHERE id = $1`, [id]);
      await db.query(`UPDATE fleet.items SET state = 'cancelled', updated_at = now() WHERE run_id = $1 AND state IN ('queued', 'retrying')`, [id]);
    }
  });
}
