import { BEFORE_LAST, TENANT_VERSIONS, sampleActivity } from './fleet-world.mjs';
import { fleetCli, FLEET_CLI, fleetEnv, historyProblems, launch, lastJson, replica } from './fleet-proc.mjs';

/**
 * The fleet bench's robustness cases: three processes on one run, SIGKILL of one of three mid-wave, and
 * injected failures (and a failing canary). Each reports what it observed and the problems found.
 */

/** Every history row of each tenant, to prove a halted run left them untouched. */
const historyRows = (world, tenants) =>
  Promise.all(
    tenants.map(async (t) =>
      JSON.stringify(
        await world.query(t.database, 'SELECT version, name, checksum, applied_at, outcome FROM schema_migrations ORDER BY version').catch(() => null),
      ),
    ),
  );

async function historyOutcomes(world, tenants) {
  // A tenant without a history (never migrated) counts as 0 rows.
  const rows = await Promise.all(
    tenants.map((t) =>
      world.query(t.database, `SELECT count(*)::int AS n, count(*) FILTER (WHERE outcome <> 'applied')::int AS other FROM schema_migrations`).then(
        (r) => r[0],
        () => ({ n: 0, other: 0 }),
      ),
    ),
  );
  return { maxRows: Math.max(...rows.map((r) => r.n)), minRows: Math.min(...rows.map((r) => r.n)), notApplied: rows.reduce((a, r) => a + r.other, 0) };
}

/** Creates a run without working it (`run --detach`); returns its id. */
async function detachedRun(control, args = []) {
  const r = await fleetCli(control, ['run', '--detach', ...args]);
  if (r.code !== 0 || !r.doc?.id) throw new Error(`run --detach exited ${r.code}: ${r.stderr}`);
  return r.doc.id;
}

/** Three `migrate:fleet -- watch <id>` processes (each one a replica) on one run of fresh tenants. */
export async function threeProcessesCase({ world, control, n, log }) {
  const tenants = await world.register(control, await world.createTenants(n));
  const started = performance.now();
  const runId = await detachedRun(control);
  const sampler = sampleActivity(world, `atlas-fleet:${runId}:`);
  const procs = [0, 1, 2].map(() => launch(['node', FLEET_CLI, 'watch', runId, '--json'], fleetEnv(control)));
  const ends = await Promise.all(procs.map((p) => p.done));
  const ms = performance.now() - started;
  const activity = await sampler.stop();
  const docs = ends.map((e) => lastJson(e.stdout));
  const doc = docs.find(Boolean);
  const problems = [];
  for (const [i, e] of ends.entries()) if (e.code !== 0) problems.push(`watch process ${i + 1} exited ${e.code}: ${e.stderr.slice(-500)}`);
  const succeeded = doc?.counts?.succeeded ?? 0;
  const attempts = (doc?.items ?? []).map((i) => i.attempts);
  const reattempted = attempts.filter((a) => a !== 1).length;
  problems.push(...historyProblems('three processes', tenants, await world.historyOf(tenants), TENANT_VERSIONS));
  const history = await historyOutcomes(world, tenants);
  if (activity.overlaps.length) problems.push(`tenants with sessions of two replicas at once: ${activity.overlaps.join(', ')}`);
  if (activity.maxTenants > 8) problems.push(`${activity.maxTenants} tenants migrating at once on one host (cap 8)`);
  log(
    `  three processes: ${succeeded}/${n} succeeded in ${Math.round(ms)} ms; most tenants at once ${activity.maxTenants} (cap 8) over ${activity.samples} samples; replicas seen working (most tenants each): ${JSON.stringify(activity.perReplicaMax)}; overlaps ${activity.overlaps.length}; history rows ${history.minRows}–${history.maxRows}`,
  );
  await world.retireAll(control);
  await world.dropTenants(tenants);
  return {
    tenants: n,
    ms,
    succeeded,
    reattempted,
    overlaps: activity.overlaps.length,
    maxTenantsAtOnce: activity.maxTenants,
    maxSessionsAtOnce: activity.maxSessions,
    perReplicaMax: activity.perReplicaMax,
    samples: activity.samples,
    history,
    problems,
  };
}

/**
 * SIGKILL of one of three replicas once a quarter of the run is done and the victim holds tenants. The
 * replicas run with a short deadline, expiry and maintenance interval; the takeover bound is the one the
 * fleet states: expiry + maintenance interval + retry delay (doubled once for pg-boss's backoff and jitter).
 */
export async function killCase({ world, control, n, trials, log }) {
  const options = (i) => ({
    replicaId: `bench-r${i}`,
    maxPerHost: 8,
    maxPerReplica: 8,
    tenantDeadlineMs: 20_000,
    expireInSeconds: 25,
    maintenanceIntervalSeconds: 5,
    retryDelaySeconds: 1,
    pollIntervalMs: 500,
  });
  const o = options(0);
  // The run's stated bound (its summary's takeoverBoundSeconds), counted here from the kill, after the lost attempts started.
  let boundSeconds = o.expireInSeconds + 2 * o.maintenanceIntervalSeconds + 2 * o.retryDelaySeconds + 1;
  const results = [];
  for (let trial = 0; trial < trials; trial++) {
    const tenants = await world.register(control, await world.createTenants(n));
    // The run's job policy (expiry, retries, expiry checks) is the creating process's: these options.
    const created = await replica(control, '--create', options(0)).done;
    const runId = lastJson(created.stdout)?.id;
    const stated = lastJson(created.stdout)?.takeoverBoundSeconds;
    if (stated !== undefined && stated !== null) boundSeconds = stated;
    if (!runId) throw new Error(`creating the run failed: ${created.stderr.slice(-1000)}`);
    const procs = [0, 1, 2].map((i) => replica(control, runId, options(i)));
    const victim = procs[0];
    const problems = [];
    let killedAt = null;
    let orphans = [];
    // Poll the run until a tenth of it is done and the victim holds at least one running tenant.
    for (let i = 0; i < 6000 && killedAt === null; i++) {
      const { rows } = await control.client.query(
        `SELECT count(*) FILTER (WHERE state IN ('succeeded', 'failed', 'unreachable', 'timed_out'))::int AS done, count(*) FILTER (WHERE state = 'running' AND owner = $2)::int AS mine,
                (SELECT state FROM fleet.runs WHERE id = $1) AS run FROM fleet.items WHERE run_id = $1`,
        [runId, 'bench-r0'],
      );
      if (rows[0].run !== 'running') break;
      if (rows[0].done >= n / 10 && rows[0].mine > 0) {
        victim.child.kill('SIGKILL');
        killedAt = Date.now();
        const held = await control.client.query(`SELECT tenant_id FROM fleet.items WHERE run_id = $1 AND state = 'running' AND owner = $2`, [
          runId,
          'bench-r0',
        ]);
        orphans = held.rows.map((r) => r.tenant_id);
      } else await new Promise((r) => setTimeout(r, 50));
    }
    if (killedAt === null) problems.push('the victim never held a running tenant after a tenth of the run; not killed');
    const ends = await Promise.all(procs.map((p) => p.done));
    for (const [i, e] of ends.slice(1).entries()) if (e.code !== 0) problems.push(`replica ${i + 2} exited ${e.code}: ${e.stderr.slice(-500)}`);
    const { rows: run } = await control.client.query(`SELECT state, extract(epoch FROM finished_at) * 1000 AS finished FROM fleet.runs WHERE id = $1`, [runId]);
    const { rows: items } = await control.client.query(
      `SELECT tenant_id, state, attempts, extract(epoch FROM started_at) * 1000 AS started FROM fleet.items WHERE run_id = $1`,
      [runId],
    );
    const succeeded = items.filter((i) => i.state === 'succeeded').length;
    if (run[0]?.state !== 'succeeded' || succeeded !== n) problems.push(`run ${run[0]?.state}: ${succeeded}/${n} succeeded`);
    // When each orphan was started again, by another replica, after the kill.
    const takeovers = orphans.map((id) => items.find((i) => i.tenant_id === id)).map((i) => (i && killedAt ? (Number(i.started) - killedAt) / 1000 : null));
    const takeoverSeconds = takeovers.length ? Math.max(...takeovers) : null;
    if (takeovers.some((t) => t === null || t < 0)) problems.push('an orphaned tenant was not started again after the kill');
    if (takeoverSeconds !== null && takeoverSeconds > boundSeconds)
      problems.push(`takeover took ${takeoverSeconds.toFixed(1)} s, over the ${boundSeconds} s bound`);
    problems.push(...historyProblems(`kill trial ${trial + 1}`, tenants, await world.historyOf(tenants), TENANT_VERSIONS));
    const history = await historyOutcomes(world, tenants);
    const invalid = (await world.invalidIndexesOf(tenants)).reduce((a, b) => a + b, 0);
    const locks = await world.advisoryLocks();
    if (invalid) problems.push(`${invalid} INVALID index(es) left`);
    if (locks.length) problems.push(`${locks.length} advisory lock(s) left: ${JSON.stringify(locks.slice(0, 3))}`);
    const result = {
      trial: trial + 1,
      orphans: orphans.length,
      takeoverSeconds,
      completedAfterKillSeconds: killedAt && run[0]?.finished ? (Number(run[0].finished) - killedAt) / 1000 : null,
      succeeded,
      historyRows: [history.minRows, history.maxRows],
      invalidIndexes: invalid,
      advisoryLocks: locks.length,
      problems,
    };
    results.push(result);
    log(
      `  kill trial ${trial + 1}: ${orphans.length} orphaned tenant(s), taken over after ${takeoverSeconds?.toFixed(1) ?? '–'} s (bound ${boundSeconds} s), run done ${result.completedAfterKillSeconds?.toFixed(1) ?? '–'} s after the kill, ${succeeded}/${n}; INVALID ${invalid}, locks ${locks.length}${problems.length ? `; ${problems.join('; ')}` : ''}`,
    );
    await world.retireAll(control);
    await world.dropTenants(tenants);
  }
  return { tenants: n, trials: results, boundSeconds, options: o, problems: results.flatMap((r) => r.problems.map((p) => `trial ${r.trial}: ${p}`)) };
}

/**
 * Injected failures in a one-migration release (tenants at the release minus its last migration): a
 * tenant where an index name the release creates is already a table, a tenant whose table the release
 * indexes lacks the indexed columns, and a tenant whose database does not exist. Then a failing canary.
 */
export async function failuresCase({ world, control, n, log }) {
  const tenants = await world.createTenants(n - 1, { atVersion: BEFORE_LAST });
  tenants.push(...(await world.createTenants(1, { missing: 1 })));
  const kinds = new Map([
    [tenants[0].database, { kind: 'index name taken by a table', expect: 'failed', sql: 'CREATE TABLE idx_baseline_snapshots_host_id (id integer)' }],
    [tenants[1].database, { kind: 'index name taken by a table', expect: 'failed', sql: 'CREATE TABLE idx_baseline_drift_items_snapshot_id (id integer)' }],
    [tenants[2].database, { kind: 'indexed table without the columns', expect: 'failed', sql: 'CREATE TABLE baseline_snapshots (id uuid PRIMARY KEY)' }],
    [tenants.at(-1).database, { kind: 'database does not exist', expect: 'unreachable' }],
  ]);
  for (const t of tenants) if (kinds.get(t.database)?.sql) await world.query(t.database, kinds.get(t.database).sql);
  await world.register(control, tenants);
  const r = await fleetCli(control, ['run', '--failure-budget', '1']);
  const items = new Map((r.doc?.items ?? []).map((i) => [i.tenantId, i]));
  const injected = [];
  const problems = [];
  let othersSucceeded = 0;
  for (const t of tenants) {
    const item = items.get(t.id);
    const k = kinds.get(t.database);
    if (!k) {
      if (item?.state === 'succeeded') othersSucceeded++;
      else problems.push(`${t.database} (not injected) ended ${item?.state}: ${item?.error?.message ?? ''}`);
      continue;
    }
    const ok = item?.state === k.expect && item.error?.code && item.error.message;
    injected.push({ kind: k.kind, database: t.database, expected: k.expect, state: item?.state, drift: item?.drift ?? null, error: item?.error ?? null });
    if (!ok) problems.push(`${k.kind} (${t.database}): ${item?.state}${item?.drift ? ' with drift' : ''}, expected ${k.expect} with the engine's error`);
  }
  log(
    `  injected failures: ${injected.filter((i) => i.state === i.expected).length}/${injected.length} as expected, ${othersSucceeded}/${n - injected.length} others succeeded`,
  );
  for (const i of injected)
    log(
      `    ${i.kind}: ${i.state}${i.error ? ` ${i.error.code}${i.error.sqlstate ? ` ${i.error.sqlstate}` : ''}: ${i.error.message.slice(0, 160)}` : ''}${i.drift ? ' (drift)' : ''}`,
    );
  await world.retireAll(control);
  await world.dropTenants(tenants);
  return { tenants: n, injected, othersSucceeded, others: n - injected.length, runState: r.doc?.state ?? null, problems };
}

/** A canary whose migration fails: the run halts and no tenant outside the canary is touched. */
export async function canaryCase({ world, control, n, log }) {
  const tenants = await world.createTenants(n, { atVersion: BEFORE_LAST });
  await world.query(tenants[0].database, 'CREATE TABLE baseline_snapshots (id uuid PRIMARY KEY)');
  await world.register(control, tenants, { tags: (_, i) => (i < 2 ? ['internal'] : []) });
  const before = await historyRows(world, tenants.slice(2));
  const r = await fleetCli(control, ['run', '--waves', 'canary=tag:internal,10%,100%']);
  const after = await historyRows(world, tenants.slice(2));
  const changed = before.filter((b, i) => b !== after[i]).length;
  const problems = [];
  if (r.doc?.state !== 'halted') problems.push(`the run ended ${r.doc?.state}, not halted`);
  if (r.code === 0) problems.push('migrate:fleet run exited 0 on a halted run');
  if (changed) problems.push(`${changed} non-canary tenant(s) changed`);
  const canary = r.doc?.waves?.[0];
  log(
    `  failing canary: run ${r.doc?.state} (exit ${r.code}), canary wave ${JSON.stringify(canary?.counts ? { succeeded: canary.counts.succeeded, failed: canary.counts.failed } : null)}, ${changed}/${n - 2} non-canary histories changed`,
  );
  if (r.doc?.id && r.doc.state === 'halted') await fleetCli(control, ['cancel', r.doc.id]);
  await world.retireAll(control);
  await world.dropTenants(tenants);
  return { tenants: n, runState: r.doc?.state ?? null, exitCode: r.code, nonCanaryChanged: changed, problems };
}
