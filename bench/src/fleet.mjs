import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createWorld } from './fleet-world.mjs';
import { fleetCli } from './fleet-proc.mjs';
import { freshCase, releaseCase, statusCase } from './fleet-timing.mjs';
import { canaryCase, failuresCase, killCase, threeProcessesCase } from './fleet-robustness.mjs';

/**
 * The `fleet` group of `pnpm bench` (the goals in docs/fleet.md): fleet migrations of many tenant databases on the
 * local PostgreSQL against a bare loop of the engine in the same run. Every tenant database and the
 * Control Plane databases are created with one prefix and dropped at the end. Writes
 * bench/results/fleet.md and fleet.json, and prints the goals table.
 */

const fmtMs = (v) => (v === null || v === undefined ? '–' : `${Math.round(v).toLocaleString('en')} ms`);
const fmtX = (v) => (v === null || v === undefined ? '–' : `${v.toFixed(2)}×`);

/** Runs one case; a case that throws is reported as not measured and the others go on. */
async function attemptCase(name, log, fn) {
  const started = performance.now();
  try {
    const result = await fn();
    log(`${name}: ${Math.round((performance.now() - started) / 1000)} s`);
    return result;
  } catch (error) {
    log(`${name}: NOT MEASURED: ${error.stack ?? error}`);
    return { error: String(error.message ?? error) };
  }
}

function goals(r) {
  const rows = [];
  const add = (goal, measured, target, met, notes = []) => rows.push({ goal, measured, target, met, notes });
  const notMeasured = (goal, target, c) =>
    add(
      goal,
      `not measured: ${String(c?.error ?? 'skipped')
        .split('\n')[0]
        .slice(0, 200)}`,
      target,
      null,
    );
  const clean = (c) => c && !c.error && c.problems.length === 0;
  const f = r.fresh;
  if (f && !f.error)
    add(
      `${f.tenants} fresh tenants, whole registry: fleet ÷ bare loop`,
      `${fmtX(f.ratio)} (fleet ${fmtMs(f.fleetMs)}, bare ${fmtMs(f.bareMs)})`,
      '≤ 1.15×',
      f.ratio <= 1.15 && clean(f),
      f.problems,
    );
  else notMeasured('fresh tenants: fleet ÷ bare loop', '≤ 1.15×', f);
  const rel = r.release;
  if (rel && !rel.error) {
    add(
      `one-migration release over ${rel.tenants}: fleet ÷ bare loop`,
      `${fmtX(rel.release.ratio)} (fleet ${fmtMs(rel.release.fleetMs)}, bare ${fmtMs(rel.release.bareMs)})`,
      '≤ 1.3×',
      rel.release.ratio <= 1.3 && clean(rel),
      rel.problems,
    );
    add(
      `plan over ${rel.tenants}: fleet ÷ bare dry run`,
      `${fmtX(rel.plan.ratio)} (fleet ${fmtMs(rel.plan.fleetMs)}, bare ${fmtMs(rel.plan.bareMs)})`,
      '1.5×',
      rel.plan.ratio <= 1.5 && clean(rel),
    );
    add(
      `scan over ${rel.tenants}: fleet ÷ bare verify`,
      `${fmtX(rel.scan.ratio)} (fleet ${fmtMs(rel.scan.fleetMs)}, bare ${fmtMs(rel.scan.bareMs)})`,
      '1.5×',
      rel.scan.ratio <= 1.5 && clean(rel),
    );
  } else notMeasured('one-migration release, plan, scan', '≤ 1.3×, 1.5×', rel);
  const s = r.status;
  if (s && !s.error)
    add(
      `status over ${s.tenants.toLocaleString('en')} tenants and ${s.items.toLocaleString('en')} items, warm, in process`,
      `${s.warmMedianMs.toFixed(1)} ms median, ${s.warmMaxMs.toFixed(1)} ms max (cold ${fmtMs(s.coldMs)}; CLI process ${fmtMs(s.cliMs)})`,
      '≤ 300 ms',
      s.warmMedianMs <= 300 && clean(s),
      s.problems,
    );
  else notMeasured('status over 10,000', '≤ 300 ms', s);
  const t = r.three;
  if (t && !t.error) {
    add(
      `three processes on one run of ${t.tenants}`,
      `${t.succeeded}/${t.tenants} succeeded in ${fmtMs(t.ms)}; overlapping attempts ${t.overlaps}; tenants re-attempted ${t.reattempted}; history rows per tenant ${t.history.minRows}–${t.history.maxRows}; most tenants at once on the host ${t.maxTenantsAtOnce} (${t.samples} samples)`,
      '0 overlaps, 0 duplicate applies, all done, ≤ 8 at once',
      clean(t),
      t.problems,
    );
  } else notMeasured('three processes on one run', 'all done, no overlap, cap kept', t);
  const k = r.kill;
  if (k && !k.error) {
    const worst = Math.max(...k.trials.map((x) => x.takeoverSeconds ?? Infinity));
    add(
      `SIGKILL of one of three replicas mid-wave, ${k.trials.length} trials of ${k.tenants}`,
      `${k.trials.filter((x) => x.problems.length === 0).length}/${k.trials.length} trials clean; worst takeover ${Number.isFinite(worst) ? `${worst.toFixed(1)} s` : '–'}; orphans ${k.trials.map((x) => x.orphans).join('/')}; INVALID indexes ${k.trials.reduce((a, x) => a + x.invalidIndexes, 0)}; advisory locks left ${k.trials.reduce((a, x) => a + x.advisoryLocks, 0)}`,
      `all complete; takeover ≤ ${k.boundSeconds} s (the run's: expiry ${k.options.expireInSeconds} + 2 × maintenance ${k.options.maintenanceIntervalSeconds} + 2 × retry delay ${k.options.retryDelaySeconds} + 1); nothing half-migrated`,
      clean(k),
      k.problems,
    );
  } else notMeasured('SIGKILL of one of three replicas', 'takeover within the bound', k);
  const fl = r.failures;
  if (fl && !fl.error) {
    const asExpected = fl.injected.filter((i) => i.state === i.expected).length;
    add(
      `k = ${fl.injected.length} injected failures over ${fl.tenants}`,
      `${asExpected}/${fl.injected.length} failed/unreachable as expected (${fl.injected.map((i) => `${i.kind}: ${i.state}${i.drift ? ' with drift' : ''}`).join('; ')}); ${fl.othersSucceeded}/${fl.others} others succeeded`,
      'exactly the k fail, with the engine error; all others succeed',
      clean(fl),
      fl.problems,
    );
  } else notMeasured('injected failures', 'exactly k fail', fl);
  const c = r.canary;
  if (c && !c.error)
    add(
      `failing canary over ${c.tenants}`,
      `run ${c.runState} (exit ${c.exitCode}); non-canary histories changed: ${c.nonCanaryChanged}`,
      'halted, no non-canary change',
      clean(c),
      c.problems,
    );
  else notMeasured('failing canary', 'halted, no non-canary change', c);
  return rows;
}

function renderMarkdown(meta, table, results) {
  const lines = [
    '# Fleet benchmark results',
    '',
    `Run ${meta.date} on ${meta.machine}; PostgreSQL ${meta.postgres}; Node ${meta.node}; commit ${meta.commit}; ${meta.quick ? 'quick mode; ' : ''}${meta.tenants} tenants per case, ${meta.rounds} round(s) of each timed case${meta.rerun ? `; ${meta.rerun}` : ''}.`,
    "Fleet times run from the `migrate:fleet` process's start to its exit (`node scripts/migrate-fleet.mjs`, what `npm run migrate:fleet --` runs, started directly so npm's own start-up is not counted), with `FLEET_MAX_PER_HOST=8` and `FLEET_MAX_PER_REPLICA=8`. The reference is a bare loop in its own process: `runMigrations` (or `verifySchema`) with the built tenant registry at a plain concurrency of 8, on identical tenant databases, in the same round. Ratios are medians of per-round ratios.",
    '',
    '| goal | measured | target | met? |',
    '|---|---|---|---|',
    ...table.map((g) => `| ${g.goal} | ${g.measured} | ${g.target} | ${g.met === null ? 'not measured' : g.met ? 'met' : '**missed**'} |`),
    '',
  ];
  const problems = table.flatMap((g) => (g.notes ?? []).map((n) => `- ${g.goal}: ${n}`));
  if (problems.length) lines.push('Problems seen:', '', ...problems, '');
  for (const [key, label] of [
    ['fresh', 'fresh tenants'],
    ['release', 'release, plan and scan'],
  ]) {
    const c = results[key];
    if (!c?.rounds) continue;
    lines.push(
      `Rounds, ${label}:`,
      '',
      '```',
      ...c.rounds.map((row) =>
        JSON.stringify(
          Object.fromEntries(
            Object.entries(row).map(([k, v]) => [
              k,
              typeof v === 'number' && k !== 'round' ? Number(v.toFixed(k.includes('Ratio') || k === 'ratio' ? 3 : 0)) : v,
            ]),
          ),
        ),
      ),
      '```',
      '',
    );
  }
  if (results.kill?.trials) lines.push('Kill trials:', '', '```', ...results.kill.trials.map((t) => JSON.stringify(t)), '```', '');
  return lines.join('\n');
}

/** `options`: { adminUrl, quick, tenants, rounds, killTrials, outDir, meta, log }. */
export async function runFleetGroup(options) {
  const { adminUrl, quick, outDir, log } = options;
  const n = options.tenants ?? (quick ? 40 : 200);
  const rounds = options.rounds ?? (quick ? 2 : 3);
  const trials = options.killTrials ?? (quick ? 2 : 5);
  const scratch = join(options.scratch, 'fleet');
  mkdirSync(scratch, { recursive: true });
  log(`\nFleet: ${n} tenants per case, ${rounds} round(s), ${trials} kill trials`);
  const world = await createWorld(adminUrl);
  const results = {};
  let control;
  try {
    results.status = await (options.cases && !options.cases.includes('status')
      ? undefined
      : attemptCase('status over 10,000', log, () => statusCase({ world, log })));
    control = await world.createControl();
    // The fleet's schemas (fleet, pgboss) are created once, as on a Control Plane that already runs the fleet.
    const warm = await fleetCli(control, ['status']);
    if (warm.code !== 0) throw new Error(`migrate:fleet status exited ${warm.code}: ${warm.stderr}`);
    const ctx = { world, control, scratch, n, rounds, log };
    // `--fleet-cases fresh,kill`: some cases only (while working on the bench).
    // A case that failed half-way leaves its tenants registered: retired, so that the next run does not select them.
    const attempt = (name, key, logTo, fn) =>
      !options.cases || options.cases.includes(key) ? attemptCase(name, logTo, fn).finally(() => world.retireAll(control)) : undefined;
    results.fresh = await attempt('fresh tenants', 'fresh', log, () => freshCase(ctx));
    results.release = await attempt('release, plan, scan', 'release', log, () => releaseCase(ctx));
    results.three = await attempt('three processes', 'three', log, () => threeProcessesCase(ctx));
    results.failures = await attempt('injected failures', 'failures', log, () => failuresCase(ctx));
    results.canary = await attempt('failing canary', 'canary', log, () => canaryCase({ ...ctx, n: Math.min(n, 40) }));
    results.kill = await attempt('SIGKILL trials', 'kill', log, () => killCase({ ...ctx, trials }));
  } finally {
    await control?.end().catch(() => undefined);
    await world.dropAll();
    await world.end();
    rmSync(scratch, { recursive: true, force: true });
  }
  const file = join(outDir, 'fleet.json');
  let meta = { ...options.meta, quick, tenants: n, rounds, killTrials: trials };
  // Some cases only: merged into the last full results, which keep their other cases.
  if (options.cases && existsSync(file)) {
    const last = JSON.parse(readFileSync(file, 'utf8'));
    for (const key of Object.keys(results)) if (results[key] === undefined) results[key] = last.results[key];
    meta = { ...last.meta, rerun: `${options.cases.join(', ')} re-run ${options.meta.date} at ${options.meta.commit}` };
  }
  const table = goals(results);
  const markdown = renderMarkdown(meta, table, results);
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, 'fleet.md'), `${markdown}\n`);
  writeFileSync(file, `${JSON.stringify({ meta, goals: table, results }, null, 2)}\n`);
  return { markdown, table };
}
