import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const ATLAS_MIGRATE = fileURLToPath(new URL('../../packages/migrator-core/bin/atlas-migrate.js', import.meta.url));

export interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command as a separate process (real concurrency, real exit code). */
export function run(command: string, args: readonly string[], options: { env?: Record<string, string | undefined>; cwd?: string } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd ?? REPO_ROOT, env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
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

/** Writes migration files into a new temporary folder and returns its path. */
export function migrationFolder(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'atlas-migrations-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}
