import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseEnv } from 'node:util';
import { PLANES } from './planes.js';

/** The repository root's `.env`: what the root scripts (`npm run migrate:*`) and the services read when it exists. */
export const REPO_ENV_FILE = fileURLToPath(new URL('../../../.env', import.meta.url));

/**
 * The `*DATABASE_URL*` variables something in this repository reads: each plane's URL (services and
 * operator commands), `MIGRATION_DATABASE_URL` (services), `DATABASE_URL` (`atlas-migrate`),
 * `TEST_DATABASE_URL` (the test suite) and `BENCH_DATABASE_URL` (the benchmark). Any other one set is
 * most likely a typo that silently leaves its plane on the SQLite default.
 */
export function readDatabaseVariables(): readonly string[] {
  return [...PLANES.map((p) => p.urlVariable), 'MIGRATION_DATABASE_URL', 'DATABASE_URL', 'TEST_DATABASE_URL', 'BENCH_DATABASE_URL'];
}

const words = (name: string) => new Set(name.toUpperCase().split('_').filter(Boolean));

/** Levenshtein distance, for a typo inside one word (`TENANT_PLANE_DATABSE_URL` is not one: it lacks `DATABASE_URL`). */
function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    previous = current;
  }
  return previous[b.length]!;
}

/**
 * The read name closest to `name`: within two edits, else most words in common beyond `DATABASE_URL`'s
 * (ties to the shorter); null when nothing is that close.
 */
function closest(name: string, known: readonly string[]): string | null {
  const upper = name.toUpperCase();
  const candidates = known.filter((k) => k !== 'TEST_DATABASE_URL' && k !== 'BENCH_DATABASE_URL');
  const near = candidates.map((k) => ({ name: k, edits: distance(upper, k) })).sort((a, b) => a.edits - b.edits)[0];
  if (near && near.edits <= 2) return near.name;
  const mine = words(name);
  let best: { name: string; shared: number } | null = null;
  for (const candidate of candidates) {
    const shared = [...words(candidate)].filter((w) => mine.has(w)).length;
    if (!best || shared > best.shared || (shared === best.shared && candidate.length < best.name.length)) best = { name: candidate, shared };
  }
  return best && best.shared > 2 ? best.name : null;
}

/**
 * One warning per set variable (even empty) whose name contains `DATABASE_URL` (any case) that nothing
 * reads, naming the likely intended one. `reads` is the variable this process reads for its plane;
 * `says` what a warning without a close name ends with. Names only, never values.
 */
export function unreadDatabaseVariableWarnings(
  env: Readonly<Record<string, string | undefined>>,
  reads: string,
  says = `this service reads ${reads} (and MIGRATION_DATABASE_URL for migrations)`,
): string[] {
  const known = readDatabaseVariables();
  return Object.keys(env)
    .filter((name) => env[name] !== undefined && name.toUpperCase().includes('DATABASE_URL') && !known.includes(name))
    .sort()
    .map((name) => {
      const guess = closest(name, known);
      return guess ? `${name} is set but not read; did you mean ${guess}?` : `${name} is set but not read; ${says}`;
    });
}

/** What `.env` did: names only (its values may be secrets). */
export type DotenvOutcome =
  | { readonly kind: 'off' }
  | { readonly kind: 'absent'; readonly path: string }
  | { readonly kind: 'loaded'; readonly path: string; readonly set: readonly string[]; readonly kept: readonly string[] }
  | { readonly kind: 'failed'; readonly path: string; readonly message: string };

/**
 * Reads a `.env` file into `env` (the process's environment, so the drivers' own variables such as
 * `PGPASSWORD` take effect too), as dbmate and Prisma do: a variable already set, even empty, wins.
 * The file is `ATLAS_ENV_FILE` when set (a file that must exist), else `defaultPath` (the repository
 * root's `.env`, skipped when absent). `ATLAS_DOTENV=0` turns it off: the test harness sets it so a
 * developer's `.env` never reaches a test. Node's own parser (`util.parseEnv`, as `process.loadEnvFile`).
 */
export function loadDotenv(env: Record<string, string | undefined>, defaultPath: string = REPO_ENV_FILE): DotenvOutcome {
  if (env.ATLAS_DOTENV?.trim() === '0') return { kind: 'off' };
  const named = env.ATLAS_ENV_FILE?.trim();
  const path = named || defaultPath;
  if (!named && !existsSync(path)) return { kind: 'absent', path };
  let parsed: Record<string, string | undefined>;
  try {
    parsed = parseEnv(readFileSync(path, 'utf8'));
  } catch (error) {
    const message = (error as { code?: string }).code === 'ENOENT' ? 'no such file (named by ATLAS_ENV_FILE)' : (error as Error).message;
    return { kind: 'failed', path, message };
  }
  const set: string[] = [];
  const kept: string[] = [];
  for (const [name, value] of Object.entries(parsed)) {
    if (value === undefined) continue;
    if (env[name] !== undefined) kept.push(name);
    else {
      env[name] = value;
      set.push(name);
    }
  }
  return { kind: 'loaded', path, set: set.sort(), kept: kept.sort() };
}

/**
 * A root script's `.env` read (`loadDotenv` into `env`, the repository root's file): its outcome, or null
 * after saying on `stderr` why a file named by ATLAS_ENV_FILE cannot be read (the script then exits 2).
 */
export function readScriptDotenv(env: Record<string, string | undefined>, stderr: { write(text: string): unknown }): DotenvOutcome | null {
  const outcome = loadDotenv(env);
  if (outcome.kind !== 'failed') return outcome;
  stderr.write(`atlas-migrate: cannot read ${outcome.path}: ${outcome.message}\n`);
  return null;
}
