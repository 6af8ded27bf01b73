import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { CliIo } from '@atlasai/migrator-core/cli';
import { REPO_ROOT, type RunResult } from './process.js';

export interface CliOptions {
  /** The working directory the command sees (the repository root unless given). */
  readonly cwd?: string;
}

/** The runs under way in this process, each with what was written around its streams while it ran. */
const running = new Set<string[]>();
let outside: { cwd: string; cwdRun: string; writes: ((...a: unknown[]) => boolean)[] } | undefined;

/**
 * `atlas-migrate <args>` run inside the test's process (`extraEnv` added to this process's environment,
 * `undefined` removing a variable, as `atlasMigrate` takes it): the program's own `main`, given the environment
 * and the two streams a process of its own would have (`CliIo`, which `bin/atlas-migrate.cjs` fills from
 * `process`), returning the exit code that process would exit with. A spawned atlas-migrate costs ~0.2 s
 * of CPU (Node's start, then the engine's and the driver's modules), and the suite ran about 500 of them. For tests whose promise is what a command prints,
 * returns and leaves in the database. What only a process shows (signals, two runs at once, what a crash
 * prints, the modules a run loads, the bin's own lines) stays with `atlasMigrate`, a real process.
 *
 * The command must write only through its streams: anything written straight to this process's stdout
 * or stderr while a command runs fails the call, because in a process of its own it would have been part
 * of the output that a test of the streams alone would miss.
 */
export async function cli(args: readonly string[], extraEnv: Record<string, string | undefined> = {}, options: CliOptions = {}): Promise<RunResult> {
  const { main } = await import('@atlasai/migrator-core/cli');
  return inProcess(`atlas-migrate ${args.join(' ')}`, extraEnv, options, (io) => main(args, io));
}

/** The root's operator scripts, by the file their package.json line runs. */
const SCRIPT_COMMANDS: Record<string, 'migrate' | 'verify'> = { 'scripts/migrate-versioned.mjs': 'migrate', 'scripts/migrate-verify.mjs': 'verify' };

/**
 * `npm run --silent <script> -- <args>` for the root's operator scripts (`migrate:versioned`, its `:tenant`,
 * `:control` and `:dry-run`, `migrate:plan`, `migrate:status`, `migrate:verify`), run in this process as
 * `cli` runs atlas-migrate: the script's line in the root package.json is read, must be `node
 * scripts/migrate-versioned.mjs …` or `node scripts/migrate-verify.mjs …`, and what that file does is done
 * here (read .env unless ATLAS_DOTENV=0, then `runOperatorCommand` with the line's arguments before the
 * caller's, as npm passes them). test/operator-commands.test.ts runs them through npm, as an operator types them.
 */
export async function operatorScript(script: string, args: readonly string[] = [], extraEnv: Record<string, string | undefined> = {}): Promise<RunResult> {
  const line = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts[script] ?? '';
  const [node, file = '', ...fixed] = line.split(' ');
  const command = SCRIPT_COMMANDS[file];
  if (node !== 'node' || !command) throw new Error(`npm run ${script} is not one of the operator scripts: "${line}"`);
  const { readScriptDotenv, runOperatorCommand } = await import('@atlasai/planes');
  return inProcess(`npm run ${script} -- ${args.join(' ')}`, extraEnv, {}, async (io) => {
    const dotenv = readScriptDotenv(io.env as Record<string, string | undefined>, io.stderr);
    return dotenv === null ? 2 : runOperatorCommand(command, [...fixed, ...args], { io, dotenv });
  });
}

async function inProcess(
  what: string,
  extraEnv: Record<string, string | undefined>,
  options: CliOptions,
  program: (io: CliIo) => Promise<number>,
): Promise<RunResult> {
  const cwd = resolve(options.cwd ?? REPO_ROOT);
  const env: Record<string, string | undefined> = { ...process.env, ATLAS_DOTENV: '0' };
  for (const [key, value] of Object.entries(extraEnv)) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  let stdout = '';
  let stderr = '';
  const stray: string[] = [];
  const restore = enter(cwd, stray);
  try {
    const code = await program({
      env,
      stdout: { write: (text: string) => (stdout += text), isTTY: false },
      stderr: { write: (text: string) => (stderr += text) },
    });
    if (stray.length > 0) throw new Error(`${what} wrote around its streams:\n${stray.join('')}`);
    return { code, stdout, stderr };
  } finally {
    restore();
  }
}

function enter(cwd: string, stray: string[]): () => void {
  const streams = [process.stdout, process.stderr] as const;
  if (outside && outside.cwdRun !== cwd) throw new Error(`in-process atlas-migrate runs at once need one working directory: ${outside.cwdRun} and ${cwd}`);
  if (!outside) {
    outside = { cwd: process.cwd(), cwdRun: cwd, writes: streams.map((stream) => stream.write as (...a: unknown[]) => boolean) };
    if (outside.cwd !== cwd) process.chdir(cwd);
    streams.forEach((stream, i) => {
      const write = outside!.writes[i]!;
      stream.write = ((...a: unknown[]) => {
        for (const sink of running) sink.push(String(a[0]));
        return write.apply(stream, a);
      }) as typeof stream.write;
    });
  }
  running.add(stray);
  return () => {
    running.delete(stray);
    if (running.size > 0 || !outside) return;
    const { cwd: before, writes } = outside;
    streams.forEach((stream, i) => {
      stream.write = writes[i] as typeof stream.write;
    });
    if (process.cwd() !== before) process.chdir(before);
    outside = undefined;
  };
}
