import type { Queryable } from './control-db.js';
import { takeoverBoundSeconds } from './job-policy.js';
import type { WaveDef } from './waves.js';
import {
  FLEET_SCHEMA_VERSION,
  ITEM_STATES,
  type FleetStatus,
  type ItemState,
  type JobPolicy,
  type RunDetail,
  type RunMode,
  type RunState,
  type RunSummary,
  type TenantItem,
  type WaveSummary,
} from './types.js';

/** The window over which throughput is measured. */
const THROUGHPUT_WINDOW_MINUTES = 5;

function zeroCounts(): Record<ItemState, number> {
  return Object.fromEntries(ITEM_STATES.map((s) => [s, 0])) as Record<ItemState, number>;
}

interface RunRow {
  id: string;
  mode: RunMode;
  state: RunState;
  waves: WaveDef[];
  current_wave: number;
  created_at: Date;
  finished_at: Date | null;
  counts: { wave: number; state: ItemState; n: number }[] | null;
  done_recent: number;
  first_start: Date | null;
  last_finish: Date | null;
  job_policy: JobPolicy | null;
}

const RUN_SQL = `
  SELECT r.id, r.mode, r.state, r.waves, r.current_wave, r.created_at, r.finished_at, r.job_policy,
         (SELECT json_agg(json_build_object('wave', wave, 'state', state, 'n', n)) FROM
            (SELECT wave, state, count(*)::int AS n FROM fleet.items WHERE run_id = r.id GROUP BY wave, state) c) AS counts,
         (SELECT count(*)::int FROM fleet.items WHERE run_id = r.id AND finished_at > now() - interval '${THROUGHPUT_WINDOW_MINUTES} minutes') AS done_recent,
         (SELECT min(started_at) FROM fleet.items WHERE run_id = r.id AND finished_at > now() - interval '${THROUGHPUT_WINDOW_MINUTES} minutes') AS first_start,
         (SELECT max(finished_at) FROM fleet.items WHERE run_id = r.id) AS last_finish
    FROM fleet.runs r`;

function waveState(run: RunRow, index: number, counts: Record<ItemState, number>): WaveSummary['state'] {
  const final = ['succeeded', 'failed', 'cancelled'].includes(run.state);
  if (run.state === 'halted' && index === run.current_wave) return 'halted';
  if (index < run.current_wave || final) return 'done';
  if (index > run.current_wave) return 'pending';
  return counts.queued + counts.running + counts.retrying > 0 ? 'running' : 'done';
}

function toSummary(run: RunRow): RunSummary {
  const counts = zeroCounts();
  const perWave = run.waves.map(() => zeroCounts());
  for (const c of run.counts ?? []) {
    counts[c.state] += c.n;
    if (perWave[c.wave]) perWave[c.wave]![c.state] += c.n;
  }
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  const waves = run.waves.map((w, index) => ({
    index,
    name: w.name,
    total: Object.values(perWave[index]!).reduce((a, b) => a + b, 0),
    counts: perWave[index]!,
    state: waveState(run, index, perWave[index]!),
  }));
  // Finished items per minute over the recent window, measured from the earliest start inside it.
  const live = run.state === 'running' ? Date.now() : (run.last_finish?.getTime() ?? Date.now());
  const minutes = run.first_start ? Math.max((live - run.first_start.getTime()) / 60_000, 1 / 60) : 0;
  const throughputPerMinute =
    run.done_recent > 0 && minutes > 0 ? Math.round((run.done_recent / Math.min(minutes, THROUGHPUT_WINDOW_MINUTES)) * 10) / 10 : null;
  const open = counts.queued + counts.running + counts.retrying;
  const etaSeconds = run.state === 'running' && throughputPerMinute ? Math.round((open / throughputPerMinute) * 60) : run.state === 'running' ? null : 0;
  return {
    schemaVersion: FLEET_SCHEMA_VERSION,
    id: run.id,
    mode: run.mode,
    state: run.state,
    createdAt: run.created_at.toISOString(),
    finishedAt: run.finished_at?.toISOString() ?? null,
    total,
    counts,
    waves,
    throughputPerMinute,
    etaSeconds,
    jobPolicy: run.job_policy,
    takeoverBoundSeconds: run.job_policy ? takeoverBoundSeconds(run.job_policy) : null,
  };
}

export async function runSummaries(db: Queryable, where: { id?: string; live?: boolean; limit?: number }): Promise<RunSummary[]> {
  const clauses: string[] = [];
  const values: unknown[] = [];
  if (where.id !== undefined) clauses.push(`r.id = $${values.push(where.id)}`);
  if (where.live) clauses.push(`r.state IN ('running', 'paused', 'halted')`);
  const sql = `${RUN_SQL} ${clauses.length ? `WHERE ${clauses.join(' AND ')}` : ''} ORDER BY r.created_at DESC LIMIT $${values.push(where.limit ?? 20)}`;
  const { rows } = await db.query<RunRow>(sql, values);
  return rows.map(toSummary);
}

interface ItemRow {
  tenant_id: string;
  tenant_name: string | null;
  wave: number;
  state: ItemState;
  attempts: number;
  target: string;
  version: string | null;
  pending: number | null;
  error: TenantItem['error'];
  drift: boolean | null;
  updated_at: Date;
}

function toItem(row: ItemRow, waves: readonly { name: string }[]): TenantItem {
  return {
    tenantId: row.tenant_id,
    tenantName: row.tenant_name,
    wave: waves[row.wave]?.name ?? String(row.wave),
    state: row.state,
    attempts: row.attempts,
    target: row.target,
    version: row.version === null ? null : Number(row.version),
    pending: row.pending,
    error: row.error,
    drift: row.drift,
    updatedAt: row.updated_at.toISOString(),
  };
}

export async function runDetail(db: Queryable, id: string): Promise<RunDetail | null> {
  const [summary] = await runSummaries(db, { id });
  if (!summary) return null;
  const { rows } = await db.query<ItemRow>(
    `SELECT tenant_id, tenant_name, wave, state, attempts, target, version, pending, error, drift, updated_at FROM fleet.items WHERE run_id = $1 ` +
      `ORDER BY wave, tenant_id`,
    [id],
  );
  return { ...summary, items: rows.map((r) => toItem(r, summary.waves)) };
}

/** How many tenants needing attention the status lists (the counts cover them all). */
const ATTENTION_LIMIT = 500;

/** The fleet from the Control Plane alone: it never connects to a tenant. */
export async function fleetStatus(db: Queryable): Promise<FleetStatus> {
  const [{ rows: byState }, { rows: attention }, liveRuns, [lastRun]] = await Promise.all([
    db.query<{ state: string; n: number }>(
      `SELECT coalesce(s.state, 'unknown') AS state, count(*)::int AS n
         FROM public.tenants t LEFT JOIN fleet.tenant_status s ON s.tenant_id = t.id::text
        WHERE t.deployment_model = 'dedicated' AND t.db_url IS NOT NULL AND t.status <> 'deleted'
        GROUP BY 1`,
    ),
    db.query<ItemRow>(
      `SELECT s.tenant_id, s.tenant_name, 0 AS wave, s.state, 0 AS attempts, s.target, s.version, s.pending, s.error, s.drift, s.checked_at AS updated_at
         FROM fleet.tenant_status s JOIN public.tenants t ON t.id::text = s.tenant_id AND t.status <> 'deleted'
        WHERE s.state IN ('behind', 'failed', 'timed_out', 'unreachable', 'drifted')
        ORDER BY s.state, s.tenant_id LIMIT ${ATTENTION_LIMIT}`,
    ),
    runSummaries(db, { live: true, limit: 20 }),
    runSummaries(db, { limit: 1 }),
  ]);
  const counts: Record<string, number> = { current: 0, behind: 0, failed: 0, timed_out: 0, unreachable: 0, drifted: 0, unknown: 0 };
  for (const row of byState) counts[row.state] = (counts[row.state] ?? 0) + row.n;
  return {
    schemaVersion: FLEET_SCHEMA_VERSION,
    tenants: byState.reduce((a, r) => a + r.n, 0),
    byState: counts,
    liveRuns,
    lastRun: lastRun ?? null,
    attention: attention.map((row) => ({ ...toItem(row, []), wave: '' })),
  };
}
