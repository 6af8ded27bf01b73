#!/usr/bin/env node
/**
 * `pnpm bench [--quick] [--rounds N] [--big] [--only REGEX] [--group engine|fleet]`: atlas-migrate side by side with psql, the
 * node floor and the Node migration tools, in one run. Every round runs every case of a workload in
 * rotated order, on a fresh database (PostgreSQL) or file (SQLite) per apply, and checks that every case
 * ends with the same schema. Reports medians, per-round ratios, messages and commits per migration (one
 * extra, untimed run per case with `log_statement = all` set on its database), and peak RSS. Writes
 * bench/results/latest.md and latest.json. Then the fleet group (fleet.mjs; `--group fleet` runs it alone,
 * `--group engine` leaves it out; `--tenants N`, `--fleet-rounds N`, `--kill-trials N`): bench/results/fleet.md.
 */
import { spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { prepareWorkloads } from './workloads.mjs';
import { logOffset, logSince, messagesPerMigration } from './message-count.mjs';
import { runFleetGroup } from './fleet.mjs';

const BENCH = new URL('../', import.meta.url).pathname;
const REPO = join(BENCH, '..');
const CASES = join(BENCH, 'src', 'cases');
const CORE = join(REPO, 'packages', 'migrator-core');
const BASELINE = join(CORE, '.bench-baseline');
const BIN = (pkg, rel) => join(BENCH, 'node_modules', pkg, rel);

// Strict: an option the bench does not know (a typo, or --help) must not start an hour of benchmarks.
const USAGE =
  'usage: pnpm bench [--quick] [--rounds N] [--big] [--only REGEX] [--no-baseline] [--group engine|fleet]\n' +
  '                  [--tenants N] [--fleet-rounds N] [--kill-trials N] [--fleet-cases a,b,...]\n';
let parsed;
try {
  parsed = parseArgs({
    options: {
      help: { type: 'boolean' },
      quick: { type: 'boolean' },
      big: { type: 'boolean' },
      'no-baseline': { type: 'boolean' },
      rounds: { type: 'string' },
      only: { type: 'string' },
      group: { type: 'string' },
      tenants: { type: 'string' },
      'fleet-rounds': { type: 'string' },
      'kill-trials': { type: 'string' },
      'fleet-cases': { type: 'string' },
    },
  }).values;
} catch (error) {
  process.stderr.write(`bench: ${error.message}\n${USAGE}`);
  process.exit(2);
}
if (parsed.help) {
  process.stdout.write(USAGE);
  process.exit(0);
}
const flag = (name) => parsed[name.slice(2)] === true;
const option = (name, fallback) => parsed[name.slice(2)] ?? fallback;
const QUICK = flag('--quick');
const BIG = flag('--big');
// Quick mode: 3 rounds and the cases that carry the targets; the full run has at least 5 rounds.
const ROUNDS = Number(option('--rounds', QUICK ? 3 : 5));
const ONLY = option('--only') ? new RegExp(option('--only')) : null;
const GROUP = option('--group');
if (GROUP && GROUP !== 'engine' && GROUP !== 'fleet') {
  process.stderr.write(`bench: --group is engine or fleet, not ${GROUP}\n`);
  process.exit(2);
}
const ADMIN_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const PG_LOG = process.env.BENCH_PG_LOG ?? '/var/log/postgresql/postgresql-15-main.log';
const SCRATCH = join(tmpdir(), `atlas-bench-${process.pid}`);
const WITH_BASELINE = existsSync(join(BASELINE, 'dist', 'index.js')) && !flag('--no-baseline');

const admin = new pg.Client({ connectionString: ADMIN_URL });
await admin.connect();
const dbUrl = (name) => {
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return url.toString();
};
let dbCounter = 0;
const dbPrefix = `atlas_bench_${process.pid}_`;
async function freshDatabase() {
  const name = `${dbPrefix}${++dbCounter}`;
  await admin.query(`CREATE DATABASE ${name}`);
  return name;
}
async function dropDatabase(name) {
  await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
}

const TOOL_TABLES = ['schema_migrations', 'schema_migrations_audit', 'schemaversion', 'pgmigrations', 'knex_migrations', 'knex_migrations_lock', 'umzug_meta'];

/** The schema a case left behind, as one hash: columns, indexes, constraints, functions, triggers (the tools' own tables left out). */
async function pgFingerprint(name) {
  const client = new pg.Client({ connectionString: dbUrl(name) });
  await client.connect();
  try {
    const { rows } = await client.query(
      `SELECT x FROM (
         SELECT table_name || '.' || column_name || ':' || data_type || ':' || coalesce(column_default, '') || ':' || is_nullable AS x
           FROM information_schema.columns WHERE table_schema = 'public' AND NOT table_name = ANY ($1)
         UNION ALL SELECT indexdef FROM pg_indexes WHERE schemaname = 'public' AND NOT tablename = ANY ($1)
         UNION ALL SELECT conrelid::regclass::text || ':' || conname || ':' || pg_get_constraintdef(oid) FROM pg_constraint
           WHERE connamespace = 'public'::regnamespace AND NOT conrelid::regclass::text = ANY ($1)
         UNION ALL SELECT p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')' FROM pg_proc p WHERE p.pronamespace = 'public'::regnamespace
         UNION ALL SELECT tgrelid::regclass::text || ':' || tgname FROM pg_trigger WHERE NOT tgisinternal
       ) s ORDER BY x`,
      [TOOL_TABLES],
    );
    return fingerprintOf(rows);
  } finally {
    await client.end();
  }
}

/** A schema's fingerprint from its catalog lines (`x`, in order): a short hash and how many objects. */
function fingerprintOf(rows) {
  const hash = createHash('sha256')
    .update(rows.map((r) => r.x).join('\n'))
    .digest('hex')
    .slice(0, 16);
  return { hash, objects: rows.length };
}

function sqliteFingerprint(path) {
  const db = new Database(path, { readonly: true });
  try {
    const rows = db
      .prepare(
        `SELECT type || ':' || name || ':' || coalesce(sql, '') AS x FROM sqlite_schema WHERE name NOT LIKE 'schema_migrations%' AND name NOT LIKE 'sqlite_%' ORDER BY name`,
      )
      .all();
    return fingerprintOf(rows);
  } finally {
    db.close();
  }
}

/** Runs one process under /usr/bin/time: wall time, peak RSS, stdout. */
function timed(argv, env = {}) {
  const rssFile = join(SCRATCH, 'rss');
  const started = performance.now();
  const child = spawnSync('/usr/bin/time', ['-f', '%M', '-o', rssFile, ...argv], {
    cwd: REPO,
    env: { ...process.env, ...env },
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  const ms = performance.now() - started;
  if (child.status !== 0) {
    throw new Error(`${argv.join(' ')} exited ${child.status}:\n${(child.stderr ?? '').slice(-2000)}${(child.stdout ?? '').slice(-1000)}`);
  }
  const rssKb = Number(readFileSync(rssFile, 'utf8').trim().split('\n').at(-1));
  let inner = null;
  try {
    inner = JSON.parse(child.stdout.trim().split('\n').at(-1));
  } catch {}
  return { ms, rssKb, inProcessMs: inner?.inProcessMs ?? null };
}

const node = (script, ...rest) => ['node', script, ...rest];
const atlasCli = (bin) => (url, w) => node(bin, 'up', '--url', url, '--dir', join(w.root, 'atlas'));
const atlasApi = (index) => (url, w) => node(join(CASES, 'atlas-api.mjs'), index, url, join(w.root, 'atlas'));
/** The API with the driver already loaded before the timing, as a service migrates (its own pool loaded it). */
const atlasApiDriverLoaded = {
  id: 'atlas API, driver loaded',
  role: 'atlas',
  argv: (url, w) => node(join(CASES, 'atlas-api.mjs'), CURRENT_INDEX, url, join(w.root, 'atlas'), 'driver-loaded'),
};
const CURRENT_BIN = join(CORE, 'bin', 'atlas-migrate.cjs');
const CURRENT_INDEX = join(CORE, 'dist', 'index.js');
// Builds before the CommonJS bin have `bin/atlas-migrate.js`.
const BASELINE_BIN =
  ['atlas-migrate.cjs', 'atlas-migrate.js'].map((name) => join(BASELINE, 'bin', name)).find((path) => existsSync(path)) ??
  join(BASELINE, 'bin', 'atlas-migrate.cjs');
const BASELINE_INDEX = join(BASELINE, 'dist', 'index.js');

/** The PostgreSQL apply cases. `peer` marks the Node tools the targets compare with. */
function pgApplyCases(w, { peers = true, baseline = WITH_BASELINE, embedded = false } = {}) {
  const cases = [
    { id: 'psql -1 -f', role: 'psql', argv: (url) => ['psql', '-X', '-q', '-1', '-v', 'ON_ERROR_STOP=1', '-d', url, '-f', join(w.root, 'all.postgres.sql')] },
    { id: 'atlas CLI', role: 'atlas', argv: atlasCli(CURRENT_BIN) },
    { id: 'atlas API', role: 'atlas', argv: atlasApi(CURRENT_INDEX) },
  ];
  // W1: the two registry packages as built; W2: the folder as a built registry embeds it (workloads.mjs).
  if (embedded && !QUICK)
    cases.push({
      id: 'atlas API (embedded registries)',
      role: 'atlas',
      argv: (url) => node(join(CASES, 'atlas-api.mjs'), CURRENT_INDEX, url, w.embedded ?? 'embedded'),
    });
  if (baseline) {
    cases.push({ id: 'atlas CLI (before)', role: 'before', argv: atlasCli(BASELINE_BIN) });
    if (!QUICK) cases.push({ id: 'atlas API (before)', role: 'before', argv: atlasApi(BASELINE_INDEX) });
  }
  if (peers) {
    const all = [
      { id: 'postgrator API', role: 'peer', argv: (url) => node(join(CASES, 'postgrator.mjs'), url, join(w.root, 'postgrator')) },
      {
        id: 'node-pg-migrate CLI',
        role: 'peer',
        argv: (_url) => node(BIN('node-pg-migrate', 'bin/node-pg-migrate.js'), 'up', '-m', join(w.root, 'npm'), '--no-verbose'),
        env: (url) => ({ DATABASE_URL: url }),
      },
      {
        id: 'knex CLI',
        role: 'peer',
        argv: () => node(BIN('knex', 'bin/cli.js'), 'migrate:latest', '--knexfile', join(CASES, 'knexfile.cjs')),
        env: (url) => ({ DATABASE_URL: url, KNEX_DIR: join(w.root, 'knex') }),
      },
      { id: 'umzug API', role: 'peer', argv: (url) => node(join(CASES, 'umzug.mjs'), url, join(w.root, 'umzug')) },
    ];
    // Quick mode keeps the two fastest peers of the full runs.
    cases.push(...all.filter((c) => !QUICK || c.id === 'knex CLI' || c.id === 'postgrator API'));
  }
  return cases;
}

/** The no-op cases: the floor, then each tool over a database it already brought up to date. */
function pgNoopCases(w, options) {
  const apply = pgApplyCases(w, options).filter((c) => c.role !== 'psql');
  return [{ id: 'node + pg + SELECT 1', role: 'floor', argv: (url) => node(join(CASES, 'floor-pg.mjs'), url) }, ...apply, atlasApiDriverLoaded];
}

function sqliteApplyCases(w, { baseline = WITH_BASELINE } = {}) {
  const cases = [
    { id: 'one exec', role: 'psql', argv: (path) => node(join(CASES, 'sqlite-exec.mjs'), path, join(w.root, 'all.sqlite.sql')) },
    { id: 'atlas CLI', role: 'atlas', argv: atlasCli(CURRENT_BIN) },
    { id: 'atlas API', role: 'atlas', argv: atlasApi(CURRENT_INDEX) },
  ];
  if (baseline) cases.push({ id: 'atlas CLI (before)', role: 'before', argv: atlasCli(BASELINE_BIN) });
  if (baseline && !QUICK) cases.push({ id: 'atlas API (before)', role: 'before', argv: atlasApi(BASELINE_INDEX) });
  return cases;
}

function sqliteNoopCases(w, options) {
  return [
    { id: 'open + SELECT 1 + close', role: 'floor', argv: (path) => node(join(CASES, 'floor-sqlite.mjs'), path) },
    ...sqliteApplyCases(w, options).filter((c) => c.role !== 'psql'),
    atlasApiDriverLoaded,
  ];
}

async function commitsOf(db) {
  await admin.query('SELECT pg_stat_clear_snapshot()');
  const { rows } = await admin.query('SELECT xact_commit::int AS commits FROM pg_stat_database WHERE datname = $1', [db]);
  return rows[0]?.commits ?? 0;
}

/** One extra run per PostgreSQL apply case, not timed: messages and commits per migration. */
async function countMessages(cases, w) {
  const out = {};
  for (const c of cases) {
    const db = await freshDatabase();
    try {
      await admin.query(`ALTER DATABASE ${db} SET log_statement = 'all'`);
      const from = logOffset(PG_LOG);
      const before = await commitsOf(db);
      timed(c.argv(dbUrl(db), w), c.env?.(dbUrl(db)) ?? {});
      // The server writes the log asynchronously; give it a moment.
      await new Promise((r) => setTimeout(r, 300));
      const commits = (await commitsOf(db)) - before;
      out[c.id] = { messages: messagesPerMigration(logSince(PG_LOG, from), db, w.count), commits: commits / w.count };
    } finally {
      await dropDatabase(db);
    }
  }
  return out;
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length === 0 ? null : s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/**
 * Runs a group of cases for `ROUNDS` rounds in rotated order. `kind`: 'apply' (a fresh database or file
 * each time) or 'noop' (one database per case, brought up to date by that case once, untimed).
 */
async function runGroup(group) {
  const { title, dialect, kind, w, cases } = group;
  const samples = Object.fromEntries(cases.map((c) => [c.id, []]));
  const fingerprints = {};
  const noopTargets = {};
  const sqliteDir = join(SCRATCH, 'sqlite');
  mkdirSync(sqliteDir, { recursive: true });
  let fileCounter = 0;
  const fresh = async () => (dialect === 'none' ? null : dialect === 'postgres' ? await freshDatabase() : join(sqliteDir, `f${++fileCounter}.db`));
  const urlOf = (target) => (dialect === 'postgres' ? dbUrl(target) : target);
  const cleanup = async (target) => (dialect === 'none' ? undefined : dialect === 'postgres' ? dropDatabase(target) : rmSync(target, { force: true }));
  const fingerprint = async (target) => (dialect === 'postgres' ? pgFingerprint(target) : sqliteFingerprint(target));
  if (kind === 'noop') {
    for (const c of cases) {
      const target = await fresh();
      timed(c.argv(urlOf(target), w), c.env?.(urlOf(target)) ?? {});
      noopTargets[c.id] = target;
    }
  }
  process.stderr.write(`\n${title}: ${cases.length} cases × ${ROUNDS} rounds\n`);
  for (let round = 0; round < ROUNDS; round++) {
    const order = cases.map((_, i) => cases[(i + round) % cases.length]);
    for (const c of order) {
      const target = kind === 'noop' ? noopTargets[c.id] : await fresh();
      try {
        const sample = timed(c.argv(urlOf(target), w), c.env?.(urlOf(target)) ?? {});
        samples[c.id].push({ ...sample, round });
        if (kind === 'apply') {
          const f = await fingerprint(target);
          (fingerprints[f.hash] ??= { objects: f.objects, cases: new Set() }).cases.add(c.id);
        }
      } finally {
        if (kind === 'apply') await cleanup(target);
      }
    }
    process.stderr.write(`  round ${round + 1}: ${order.map((c) => `${c.id} ${Math.round(samples[c.id].at(-1).ms)}`).join(', ')}\n`);
  }
  for (const target of Object.values(noopTargets)) await cleanup(target);
  const counts = dialect === 'postgres' && kind === 'apply' ? await countMessages(cases, w) : {};
  return summarise(group, samples, fingerprints, counts);
}

function summarise(group, samples, fingerprints, counts) {
  const { cases } = group;
  const reference = cases.find((c) => c.role === 'psql' || c.role === 'floor');
  const peers = cases.filter((c) => c.role === 'peer');
  const med = (id, key = 'ms') => median(samples[id].map((s) => s[key]).filter((v) => v !== null));
  const bestPeer = peers.length ? peers.reduce((a, b) => (med(a.id) <= med(b.id) ? a : b)) : null;
  const ratio = (id, ref) => {
    if (!ref) return null;
    const byRound = new Map(samples[ref.id].map((s) => [s.round, s.ms]));
    return median(samples[id].map((s) => s.ms / byRound.get(s.round)));
  };
  const rows = cases.map((c) => ({
    case: c.id,
    role: c.role,
    medianMs: med(c.id),
    minMs: Math.min(...samples[c.id].map((s) => s.ms)),
    inProcessMs: med(c.id, 'inProcessMs'),
    vsReference: ratio(c.id, reference),
    vsBestPeer: ratio(c.id, bestPeer),
    peakRssMb: median(samples[c.id].map((s) => s.rssKb)) / 1024,
    messagesPerMigration: counts[c.id]?.messages ?? null,
    commitsPerMigration: counts[c.id]?.commits ?? null,
  }));
  const schemas = Object.entries(fingerprints).map(([hash, f]) => ({ hash, objects: f.objects, cases: [...f.cases] }));
  return {
    title: group.title,
    dialect: group.dialect,
    kind: group.kind,
    migrations: group.w.count,
    reference: reference?.id ?? null,
    bestPeer: bestPeer?.id ?? null,
    sameSchema: schemas.length <= 1,
    schemas,
    rows,
  };
}

function groups(workloads) {
  const all = [];
  const { w1, w2_1000, w2_5000, w3_1, w3_5, w3_50 } = workloads;
  // Start-up: the CLI's own import cost above Node's boot (`--version` loads the CLI and exits).
  const startup = [
    { id: 'node -e 0', role: 'floor', argv: () => ['node', '-e', '0'] },
    { id: 'atlas-migrate --version', role: 'atlas', argv: () => node(CURRENT_BIN, '--version') },
    { id: 'atlas-migrate --help', role: 'atlas', argv: () => node(CURRENT_BIN, '--help') },
  ];
  if (WITH_BASELINE) startup.push({ id: 'atlas-migrate --version (before)', role: 'before', argv: () => node(BASELINE_BIN, '--version') });
  all.push({ title: 'Start-up (no database)', dialect: 'none', kind: 'noop', w: { root: SCRATCH, count: 1 }, cases: startup });
  all.push({ title: 'PostgreSQL W1 (25 real migrations) apply', dialect: 'postgres', kind: 'apply', w: w1, cases: pgApplyCases(w1, { embedded: true }) });
  all.push({ title: 'PostgreSQL W1 no-op', dialect: 'postgres', kind: 'noop', w: w1, cases: pgNoopCases(w1, { embedded: true }) });
  all.push({ title: 'SQLite W1 apply', dialect: 'sqlite', kind: 'apply', w: w1, cases: sqliteApplyCases(w1) });
  all.push({ title: 'SQLite W1 no-op', dialect: 'sqlite', kind: 'noop', w: w1, cases: sqliteNoopCases(w1) });
  // Quick mode: psql, atlas and the best peer of the full runs only.
  const w2Options = QUICK ? { baseline: false } : {};
  const w2Cases = (cases) => (QUICK ? cases.filter((c) => c.role !== 'peer' || c.id === 'knex CLI').filter((c) => c.id !== 'atlas API') : cases);
  all.push({ title: 'PostgreSQL W2 1,000 trivial apply', dialect: 'postgres', kind: 'apply', w: w2_1000, cases: w2Cases(pgApplyCases(w2_1000, w2Options)) });
  if (!QUICK) all.push({ title: 'PostgreSQL W2 1,000 no-op', dialect: 'postgres', kind: 'noop', w: w2_1000, cases: pgNoopCases(w2_1000, { embedded: true }) });
  if (w2_5000) {
    all.push({ title: 'PostgreSQL W2 5,000 trivial apply', dialect: 'postgres', kind: 'apply', w: w2_5000, cases: pgApplyCases(w2_5000) });
    all.push({ title: 'PostgreSQL W2 5,000 no-op', dialect: 'postgres', kind: 'noop', w: w2_5000, cases: pgNoopCases(w2_5000, { embedded: true }) });
    all.push({ title: 'SQLite W2 5,000 trivial apply', dialect: 'sqlite', kind: 'apply', w: w2_5000, cases: sqliteApplyCases(w2_5000, { baseline: false }) });
  }
  for (const [label, w] of [
    ['1 MB', w3_1],
    ['5 MB', w3_5],
    ['50 MB', w3_50],
  ]) {
    if (!w) continue;
    // The engine before this work is quadratic in file size: only the 1 MB file is worth its wait.
    const baseline = WITH_BASELINE && label === '1 MB';
    const pgCases = pgApplyCases(w, { peers: false, baseline }).filter((c) => !c.id.includes('API'));
    all.push({ title: `PostgreSQL W3 one ${label} file apply`, dialect: 'postgres', kind: 'apply', w, cases: pgCases, bytes: w.bytes });
    const sqliteCases = sqliteApplyCases(w, { baseline }).filter((c) => !c.id.includes('API'));
    all.push({ title: `SQLite W3 one ${label} file apply`, dialect: 'sqlite', kind: 'apply', w, cases: sqliteCases, bytes: w.bytes });
  }
  return ONLY ? all.filter((g) => ONLY.test(g.title)) : all;
}

const fmt = (v, digits = 0) => (v === 'unmeasured' ? 'unmeasured' : v === null || v === undefined || Number.isNaN(v) ? '–' : v.toFixed(digits));
const fmtRatio = (v) => (v === null || v === undefined ? '–' : `${v.toFixed(2)}×`);

function renderMarkdown(meta, results) {
  const lines = [
    '# Benchmark results',
    '',
    `Run ${meta.date} on ${meta.machine}; PostgreSQL ${meta.postgres}; Node ${meta.node}; ${meta.rounds} rounds${meta.quick ? ' (quick mode)' : ''}; commit ${meta.commit}${meta.baseline ? `; "(before)" is the engine at ${meta.baseline}` : ''}.`,
    'Times are whole-process wall-clock medians in ms; ratios are medians of the per-round ratios (same round, same machine load). "in-process" is the engine\'s own part (registry load + run) inside the API process. Messages and commits per migration come from one extra untimed run with `log_statement = all` on its database (server log) and `pg_stat_database.xact_commit`; they include each tool\'s own bookkeeping queries. "unmeasured": the server log (BENCH_PG_LOG) could not be read or names no database (its log_line_prefix needs %u@%d).',
    '',
  ];
  for (const r of results) {
    lines.push(`## ${r.title}`, '');
    lines.push(
      `${r.migrations} migration(s); reference: ${r.reference ?? '–'}; best peer: ${r.bestPeer ?? '–'}; same schema in every case: ${r.kind === 'apply' ? (r.sameSchema ? `yes (${r.schemas[0]?.objects ?? 0} objects)` : `**NO**: ${r.schemas.map((s) => `${s.hash} (${s.objects}): ${s.cases.join(', ')}`).join('; ')}`) : 'n/a (no-op)'}`,
      '',
    );
    lines.push('| case | median ms | min ms | in-process ms | × reference | × best peer | messages / migration | commits / migration | peak RSS MB |');
    lines.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|');
    for (const row of r.rows) {
      lines.push(
        `| ${row.case} | ${fmt(row.medianMs)} | ${fmt(row.minMs)} | ${fmt(row.inProcessMs, 1)} | ${fmtRatio(row.vsReference)} | ${fmtRatio(row.vsBestPeer)} | ${fmt(row.messagesPerMigration, 2)} | ${fmt(row.commitsPerMigration, 2)} | ${fmt(row.peakRssMb, 1)} |`,
      );
    }
    lines.push('');
  }
  return lines.join('\n');
}

/** The fleet group, after the engine's groups unless --group chose one (its own results files). */
async function fleetGroup(meta) {
  const count = (name) => (option(name) === undefined ? undefined : Number(option(name)));
  try {
    const { markdown } = await runFleetGroup({
      adminUrl: ADMIN_URL,
      quick: QUICK,
      tenants: count('--tenants'),
      rounds: count('--fleet-rounds'),
      killTrials: count('--kill-trials'),
      cases: option('--fleet-cases')?.split(','),
      scratch: SCRATCH,
      outDir: join(BENCH, 'results'),
      meta,
      log: (line) => process.stderr.write(`${line}\n`),
    });
    process.stdout.write(`${markdown}\n`);
  } finally {
    rmSync(SCRATCH, { recursive: true, force: true });
  }
}

async function main() {
  if (GROUP === 'fleet') {
    await admin.end();
    return fleetGroup(runMeta());
  }
  mkdirSync(SCRATCH, { recursive: true });
  const workloads = await prepareWorkloads(join(SCRATCH, 'workloads'), { quick: QUICK, big: BIG });
  mkdirSync(join(SCRATCH), { recursive: true });
  const results = [];
  try {
    for (const group of groups(workloads)) results.push(await runGroup(group));
  } finally {
    const { rows } = await admin.query('SELECT datname FROM pg_database WHERE datname LIKE $1', [`${dbPrefix}%`]);
    for (const { datname } of rows) await dropDatabase(datname);
    await admin.end();
    rmSync(SCRATCH, { recursive: true, force: true });
  }
  const meta = runMeta();
  const outDir = join(BENCH, 'results');
  mkdirSync(outDir, { recursive: true });
  const markdown = renderMarkdown(meta, results);
  writeFileSync(join(outDir, 'latest.md'), `${markdown}\n`);
  writeFileSync(join(outDir, 'latest.json'), `${JSON.stringify({ meta, results }, null, 2)}\n`);
  process.stdout.write(`${markdown}\n`);
  if (results.some((r) => r.kind === 'apply' && !r.sameSchema)) {
    process.stderr.write('bench: the cases did not all end with the same schema\n');
    process.exitCode = 1;
  }
  if (GROUP !== 'engine' && (!ONLY || ONLY.test('Fleet'))) await fleetGroup(meta);
}

function runMeta() {
  const git = (a) => spawnSync('git', a, { cwd: REPO, encoding: 'utf8' }).stdout.trim();
  return {
    date: new Date().toISOString(),
    machine: `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB`,
    node: process.version,
    postgres: spawnSync('psql', ['-XAtd', ADMIN_URL, '-c', 'SHOW server_version'], { encoding: 'utf8' }).stdout.trim(),
    rounds: ROUNDS,
    quick: QUICK,
    commit: `${git(['rev-parse', '--short', 'HEAD'])}${git(['status', '--porcelain']) ? ' (with uncommitted changes)' : ''}`,
    baseline: WITH_BASELINE ? readFileSync(join(BASELINE, 'COMMIT'), 'utf8').trim().slice(0, 7) : null,
  };
}

await main();
