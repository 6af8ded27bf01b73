import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Child processes of the fleet bench: the fleet CLI, the bare loop and the kill trials' replicas. */

const REPO = new URL('../../', import.meta.url).pathname;
const CASES = new URL('./cases/', import.meta.url).pathname;
/** What `npm run migrate:fleet --` runs; started directly so that npm's own start-up is not counted. */
export const FLEET_CLI = join(REPO, 'scripts', 'migrate-fleet.mjs');
const BARE = join(CASES, 'fleet-bare.mjs');
const REPLICA = join(CASES, 'fleet-replica.mjs');

export const median = (xs) => {
  const s = xs.filter((x) => x !== null && x !== undefined && !Number.isNaN(x)).sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length === 0 ? null : s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/**
 * Starts a process; `done` resolves when it has exited and its output is read, with its wall time from
 * the spawn to its exit.
 */
/**
 * Runs a process to its end; when another build removed a `dist/` folder under it (the tree is shared),
 * waits and runs it again, up to three times.
 */
async function runToEnd(argv, env) {
  for (let i = 0; ; i++) {
    const r = await launch(argv, env).done;
    if (i >= 3 || !/ERR_MODULE_NOT_FOUND/.test(r.stderr)) return r;
    await new Promise((resolve) => setTimeout(resolve, 30_000));
  }
}

export function launch(argv, env = {}) {
  const started = performance.now();
  const child = spawn(argv[0], argv.slice(1), { cwd: REPO, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let exitedAt = null;
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  child.on('exit', () => (exitedAt = performance.now()));
  const done = new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, ms: (exitedAt ?? performance.now()) - started, stdout, stderr }));
  });
  return { child, done, started };
}

/** The last JSON document a process printed (the CLI's --json output, the helpers' one line). */
export function lastJson(text) {
  const trimmed = text.trim();
  try {
    return JSON.parse(trimmed);
  } catch {}
  const start = trimmed.lastIndexOf('\n{');
  try {
    return JSON.parse(start === -1 ? trimmed.split('\n').at(-1) : trimmed.slice(start + 1));
  } catch {
    return null;
  }
}

/** The fleet CLI's environment for the bench: all tenants share one host, so the per-host cap is 8. */
export const fleetEnv = (control, extra = {}) => ({
  CONTROL_PLANE_DATABASE_URL: control.url,
  FLEET_MAX_PER_HOST: '8',
  FLEET_MAX_PER_REPLICA: '8',
  ATLAS_LOG_LEVEL: 'warn',
  ...extra,
});

/** `migrate:fleet -- <args> --json`: its wall time, exit code and JSON document. */
export async function fleetCli(control, args, env = {}) {
  const r = await runToEnd(['node', FLEET_CLI, ...args, '--json'], fleetEnv(control, env));
  return { ms: r.ms, code: r.code, doc: lastJson(r.stdout), stderr: r.stderr.slice(-2000) };
}

/** The bare loop (runMigrations or verifySchema at a plain concurrency of 8) over `tenants`, one process. */
export async function bareLoop(scratch, mode, tenants, concurrency = 8) {
  const file = join(scratch, `urls-${process.pid}-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, JSON.stringify(tenants.map((t) => t.url)));
  const r = await runToEnd(['node', BARE, mode, file, String(concurrency)]);
  const doc = lastJson(r.stdout);
  if (r.code !== 0 || !doc) throw new Error(`bare loop (${mode}) exited ${r.code}: ${r.stderr.slice(-1500)}`);
  return { ms: r.ms, failures: doc.failures };
}

/** A fleet replica process with options the CLI does not expose (expiry, maintenance, retry delay). */
export function replica(control, runId, options) {
  return launch(['node', REPLICA, runId, JSON.stringify(options)], { CONTROL_PLANE_DATABASE_URL: control.url });
}

/** Checks that every tenant's history is exactly `versions`; returns the problems found. */
export function historyProblems(label, tenants, histories, versions) {
  const want = versions.join(',');
  const bad = tenants.filter((_, i) => (histories[i] ?? []).join(',') !== want);
  return bad.length === 0
    ? []
    : [
        `${label}: ${bad.length} tenant(s) without exactly the expected history (e.g. ${bad[0].database}: ${JSON.stringify(histories[tenants.indexOf(bad[0])])})`,
      ];
}
