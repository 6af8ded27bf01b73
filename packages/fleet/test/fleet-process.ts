import { spawn, type ChildProcess } from 'node:child_process';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';

/** The root script `npm run migrate:fleet` runs (started directly: the same process, without npm). */
export const FLEET_SCRIPT = fileURLToPath(new URL('../../../scripts/migrate-fleet.mjs', import.meta.url));
const REPO = fileURLToPath(new URL('../../../', import.meta.url));

export interface FleetProcess {
  readonly child: ChildProcess;
  readonly stdout: () => string;
  readonly stderr: () => string;
  /** Resolves when the process has exited and its output is read. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
}

/** `node scripts/migrate-fleet.mjs <args>` with stdout and stderr piped, the environment given added to this one's. */
export function fleetProcess(args: readonly string[], env: Record<string, string>): FleetProcess {
  const child = spawn(process.execPath, [FLEET_SCRIPT, ...args], {
    cwd: REPO,
    env: { ...process.env, ATLAS_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return { child, stdout: () => stdout, stderr: () => stderr, exited };
}

/**
 * What the script runs (`fleetMain`), in this process, with the environment the process would have: for
 * the cases whose promise is the CLI's answer (exit code, stdout, stderr), not the process around it.
 */
export async function fleetInProcess(args: readonly string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  // The built CLI, as the root script imports it (its registry is embedded at build time); loaded only here.
  const { fleetMain } = await import('../dist/cli/main.js');
  const [stdout, stderr] = [new PassThrough(), new PassThrough()];
  const text = { stdout: '', stderr: '' };
  stdout.on('data', (d: Buffer) => (text.stdout += d.toString()));
  stderr.on('data', (d: Buffer) => (text.stderr += d.toString()));
  const code = await fleetMain(args, { stdout, stderr, env: { ...process.env, ATLAS_LOG_LEVEL: 'warn', ...env } });
  return { code, ...text };
}

/** Polls `probe` until it returns a value other than undefined; fails after `timeoutMs` (a generous bound, not a measurement). */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
