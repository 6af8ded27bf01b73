import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { requireFullTier } from './tier.js';

export const REPO_ROOT = fileURLToPath(new URL('../../..', import.meta.url));
export const ATLAS_MIGRATE = fileURLToPath(new URL('../../migrator-core/bin/atlas-migrate.cjs', import.meta.url));

export interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs a command as a separate process (real concurrency, real exit code). `ATLAS_DOTENV=0`: a
 * developer's `.env` at the repository root never reaches a test (a test that means to read one sets it).
 */
export function run(command: string, args: readonly string[], options: { env?: Record<string, string | undefined>; cwd?: string } = {}): Promise<RunResult> {
  requireFullTier(`a spawned process (${command})`);
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd ?? REPO_ROOT,
      env: { ...process.env, ATLAS_DOTENV: '0', ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

/** Runs `atlas-migrate` with the given arguments in its own process. */
export function atlasMigrate(args: readonly string[], env?: Record<string, string | undefined>): Promise<RunResult> {
  return run(process.execPath, [ATLAS_MIGRATE, ...args], env ? { env } : {});
}

/**
 * stderr of a run with nothing but live progress on it (stdout piped, so progress goes to stderr):
 * each plane's target line, connecting, waiting for the lock, each migration's start and end, heartbeats of long statements.
 */
export const PROGRESS_LINE = new RegExp(
  `^\\[[A-Z0-9_-]+\\] (${[
    /target: .+/,
    /Connecting to database\.\.\./,
    /Connected\./,
    /Applying \d+ \(\w+\)\.\.\./,
    /(Applied|Failed|Skipped \(objects already present\)) \d+ in \d+ ms/,
    /Waiting for the migration lock, held by .+/,
    /Still running \d+, statement \d+ \(line \d+\): .+ \(\d+ s\)/,
  ]
    .map((r) => r.source)
    .join('|')})$`,
);
export const PROGRESS: unknown = expect.stringMatching(new RegExp(`^(${PROGRESS_LINE.source.slice(1, -1)}\n)*$`));

/** Polls `check` until it returns true (every 50 ms, up to `timeoutMs`): for a state no event announces. */
export async function eventually(check: () => Promise<boolean> | boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out waiting for a condition');
    await new Promise((r) => setTimeout(r, 50));
  }
}
