import { join } from 'node:path';
import { BEFORE_LAST, TENANT_VERSIONS, core } from './fleet-world.mjs';
import { bareLoop, fleetCli, historyProblems, median } from './fleet-proc.mjs';

/**
 * The fleet bench's timed cases, each against its bare loop in the same round (alternating which goes
 * first): fresh tenants, a one-migration release with plan and scan before it, and `status` over 10,000.
 */

const REPO = new URL('../../', import.meta.url).pathname;
const ratioOf = (a, b) => (a && b ? a / b : null);

function checkFleetDoc(label, r, n, state = 'succeeded') {
  const problems = [];
  if (!r.doc || r.doc.state !== state || r.doc.counts?.succeeded !== n) {
    problems.push(`${label}: exit ${r.code}, state ${r.doc?.state ?? '?'}, counts ${JSON.stringify(r.doc?.counts ?? r.doc?.error ?? r.stderr)}`);
  }
  return problems;
}

/** 200 fresh tenant databases, the whole registry each: `migrate:fleet run` against the bare loop. */
export async function freshCase({ world, control, scratch, n, rounds, log }) {
  const rows = [];
  const problems = [];
  for (let round = 0; round < rounds; round++) {
    const bareSet = await world.createTenants(n);
    const fleetSet = await world.register(control, await world.createTenants(n));
    const sample = { round };
    for (const which of round % 2 === 0 ? ['bare', 'fleet'] : ['fleet', 'bare']) {
      if (which === 'bare') {
        const r = await bareLoop(scratch, 'apply', bareSet);
        sample.bareMs = r.ms;
        if (r.failures.length) problems.push(`bare apply: ${r.failures.length} failure(s): ${r.failures[0].message}`);
      } else {
        const r = await fleetCli(control, ['run']);
        sample.fleetMs = r.ms;
        problems.push(...checkFleetDoc('fleet run', r, n));
      }
    }
    problems.push(...historyProblems('bare', bareSet, await world.historyOf(bareSet), TENANT_VERSIONS));
    problems.push(...historyProblems('fleet', fleetSet, await world.historyOf(fleetSet), TENANT_VERSIONS));
    sample.ratio = ratioOf(sample.fleetMs, sample.bareMs);
    rows.push(sample);
    log(`  fresh round ${round + 1}: bare ${Math.round(sample.bareMs)} ms, fleet ${Math.round(sample.fleetMs)} ms (${sample.ratio?.toFixed(2)}×)`);
    await world.retireAll(control);
    await world.dropTenants([...bareSet, ...fleetSet]);
  }
  return {
    tenants: n,
    rounds: rows,
    bareMs: median(rows.map((r) => r.bareMs)),
    fleetMs: median(rows.map((r) => r.fleetMs)),
    ratio: median(rows.map((r) => r.ratio)),
    problems: [...new Set(problems)],
  };
}

/**
 * Tenants at the release minus its last migration: `plan` and `scan` over them (read-only) against the
 * bare dry run and verify, then the release (the last migration) by the fleet on those tenants and by the
 * bare loop on a second, identical set.
 */
export async function releaseCase({ world, control, scratch, n, rounds, log }) {
  const rows = [];
  const problems = [];
  for (let round = 0; round < rounds; round++) {
    const fleetSet = await world.register(control, await world.createTenants(n, { atVersion: BEFORE_LAST }));
    const bareSet = await world.createTenants(n, { atVersion: BEFORE_LAST });
    const sample = { round };
    const first = round % 2 === 0;
    for (const [key, bareMode, fleetCommand] of [
      ['plan', 'dry-run', 'plan'],
      ['scan', 'verify', 'scan'],
      ['release', 'apply', 'run'],
    ]) {
      for (const which of first ? ['bare', 'fleet'] : ['fleet', 'bare']) {
        if (which === 'bare') {
          // The read-only loops read the fleet's own tenants; the release's bare loop migrates its own copy.
          const r = await bareLoop(scratch, bareMode, key === 'release' ? bareSet : fleetSet);
          sample[`${key}BareMs`] = r.ms;
          if (r.failures.length) problems.push(`bare ${bareMode}: ${r.failures.length} failure(s): ${r.failures[0].message}`);
        } else {
          const r = await fleetCli(control, [fleetCommand]);
          sample[`${key}FleetMs`] = r.ms;
          problems.push(...checkFleetDoc(`fleet ${fleetCommand}`, r, n));
          if (key !== 'release' && r.doc?.items?.some((i) => i.pending !== 1))
            problems.push(`fleet ${fleetCommand}: not every tenant reported 1 pending migration`);
        }
      }
      sample[`${key}Ratio`] = ratioOf(sample[`${key}FleetMs`], sample[`${key}BareMs`]);
    }
    problems.push(...historyProblems('release, bare', bareSet, await world.historyOf(bareSet), TENANT_VERSIONS));
    problems.push(...historyProblems('release, fleet', fleetSet, await world.historyOf(fleetSet), TENANT_VERSIONS));
    rows.push(sample);
    log(
      `  release round ${round + 1}: ${['plan', 'scan', 'release'].map((k) => `${k} bare ${Math.round(sample[`${k}BareMs`])} / fleet ${Math.round(sample[`${k}FleetMs`])} ms (${sample[`${k}Ratio`]?.toFixed(2)}×)`).join('; ')}`,
    );
    await world.retireAll(control);
    await world.dropTenants([...bareSet, ...fleetSet]);
  }
  const out = { tenants: n, rounds: rows, problems: [...new Set(problems)] };
  for (const k of ['plan', 'scan', 'release'])
    out[k] = {
      bareMs: median(rows.map((r) => r[`${k}BareMs`])),
      fleetMs: median(rows.map((r) => r[`${k}FleetMs`])),
      ratio: median(rows.map((r) => r[`${k}Ratio`])),
    };
  return out;
}

/**
 * `status` over 10,000 tenants and a live run of 10,000 items, in its own Control Plane database: the
 * rows are inserted directly (tenants on 50 hosts; items in every state; per-tenant status for the
 * finished ones). A warm call is timed in process; the whole CLI process is timed too.
 */
export async function statusCase({ world, count = 10_000, calls = 20, log }) {
  const control = await world.createControl();
  const { openFleet } = await import(join(REPO, 'packages', 'fleet', 'dist', 'index.js'));
  const fleet = await openFleet({ controlUrl: control.url, logger: core.silentLogger });
  try {
    const db = control.client;
    await db.query(
      `INSERT INTO tenants (name, status, deployment_model, db_url, metadata)
       SELECT 'tenant-' || i, 'active', 'dedicated', 'postgres://app@db-' || (i % 50) || '.internal:5432/tenant_' || i,
              jsonb_build_object('tags', jsonb_build_array('group-' || (i % 10)))
         FROM generate_series(1, $1::int) i`,
      [count],
    );
    const waves = [
      { name: 'canary', budget: 0 },
      { name: '1%', budget: 0.02 },
      { name: '10%', budget: 0.02 },
      { name: '100%', budget: 0.02 },
    ];
    await db.query(
      `INSERT INTO fleet.runs (id, mode, state, waves, current_wave, spec, created_by) VALUES ('bench0001', 'apply', 'running', $1, 3, '{}', 'bench')`,
      [JSON.stringify(waves)],
    );
    // Per 100 tenants: 60 succeeded, 25 queued, 8 running, 3 failed, 2 unreachable, 1 timed_out, 1 retrying.
    await db.query(
      `WITH t AS (SELECT id::text AS id, name, row_number() OVER (ORDER BY id) AS i, substring(db_url from '@([^/]+)/') AS host, substring(db_url from '@(.*)$') AS target FROM tenants),
            s AS (SELECT *, CASE WHEN i % 100 < 60 THEN 'succeeded' WHEN i % 100 < 85 THEN 'queued' WHEN i % 100 < 93 THEN 'running' WHEN i % 100 < 96 THEN 'failed'
                                 WHEN i % 100 < 98 THEN 'unreachable' WHEN i % 100 < 99 THEN 'timed_out' ELSE 'retrying' END AS state FROM t)
       INSERT INTO fleet.items (run_id, tenant_id, tenant_name, wave, host, target, state, attempts, version, pending, error, started_at, finished_at)
       SELECT 'bench0001', id, name, CASE WHEN i <= 10 THEN 0 WHEN i <= 100 THEN 1 WHEN i <= 1000 THEN 2 ELSE 3 END, host, target, state,
              CASE WHEN state = 'queued' THEN 0 ELSE 1 END, CASE WHEN state = 'succeeded' THEN 2018 ELSE 2017 END, CASE WHEN state = 'succeeded' THEN 0 ELSE 1 END,
              CASE WHEN state IN ('failed', 'unreachable', 'timed_out', 'retrying') THEN jsonb_build_object('code', 'STATEMENT_FAILED', 'message', 'relation already exists', 'version', 2018, 'sqlstate', '42P07') END,
              CASE WHEN state <> 'queued' THEN now() - (i % 300) * interval '1 second' END,
              CASE WHEN state IN ('succeeded', 'failed', 'unreachable', 'timed_out') THEN now() - (i % 240) * interval '1 second' END
         FROM s`,
    );
    await db.query(
      `INSERT INTO fleet.tenant_status (tenant_id, tenant_name, target, state, version, pending, error, run_id)
       SELECT tenant_id, tenant_name, target, CASE state WHEN 'succeeded' THEN 'current' WHEN 'queued' THEN 'behind' WHEN 'running' THEN 'behind' WHEN 'retrying' THEN 'behind' ELSE state END,
              version, pending, error, run_id FROM fleet.items`,
    );
    await db.query('ANALYZE tenants; ANALYZE fleet.items; ANALYZE fleet.tenant_status');
    const cold = performance.now();
    const first = await fleet.status();
    const coldMs = performance.now() - cold;
    const warm = [];
    for (let i = 0; i < calls; i++) {
      const t = performance.now();
      await fleet.status();
      warm.push(performance.now() - t);
    }
    const { fleetCli } = await import('./fleet-proc.mjs');
    const cli = await fleetCli(control, ['status']);
    const problems = [];
    if (first.tenants !== count) problems.push(`status counted ${first.tenants} tenants, not ${count}`);
    if (first.liveRuns[0]?.total !== count) problems.push(`the live run has ${first.liveRuns[0]?.total} items, not ${count}`);
    if (cli.code !== 0) problems.push(`migrate:fleet status exited ${cli.code}: ${cli.stderr}`);
    const sorted = [...warm].sort((a, b) => a - b);
    const result = {
      tenants: count,
      items: count,
      coldMs,
      warmMedianMs: median(warm),
      warmMaxMs: sorted.at(-1),
      warmP90Ms: sorted[Math.floor(sorted.length * 0.9)],
      cliMs: cli.ms,
      attention: first.attention.length,
      byState: first.byState,
      problems,
    };
    log(
      `  status over ${count}: cold ${Math.round(coldMs)} ms, warm median ${result.warmMedianMs.toFixed(1)} ms (max ${result.warmMaxMs.toFixed(1)}), CLI process ${Math.round(cli.ms)} ms`,
    );
    return result;
  } finally {
    await fleet.close();
    await control.end();
  }
}
