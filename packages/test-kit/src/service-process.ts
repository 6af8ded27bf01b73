import { spawn, type ChildProcess } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import { cpSync, mkdirSync, mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrationLockKey as engineLockKey } from '@atlasai/migrator-core';
import { REPO_ROOT } from './process.js';
import { requireFullTier } from './tier.js';

/** One JSON line of a service's pino log. */
export type LogLine = Record<string, unknown> & { msg?: string; level?: number };

/** A built service (`apps/<plane>-plane/dist/main.js`) running as its own process. */
export interface ServiceProcess {
  readonly child: ChildProcess;
  /** Everything it wrote, stdout and stderr. */
  output(): string;
  /** Its log, parsed line by line. */
  lines(): LogLine[];
  /** Resolves with the exit code (null for a signal). */
  readonly exited: Promise<number | null>;
  /** Resolves with its base URL once it logs `listening`; rejects if it exits first. */
  ready(): Promise<string>;
}

const started = new Set<ServiceProcess>();

/**
 * A temporary repository root with a copy of a plane's built app (its dependencies resolved from this
 * repository's), so that the defaults that hang on the root (`data/`, `.env`) can be tried without
 * touching the real ones. The caller removes it.
 */
export function copyBuiltApp(plane: 'tenant' | 'control'): string {
  const root = mkdtempSync(join(tmpdir(), 'atlas-root-'));
  const app = join(root, `apps/${plane}-plane`);
  mkdirSync(app, { recursive: true });
  cpSync(join(REPO_ROOT, `apps/${plane}-plane/dist`), join(app, 'dist'), { recursive: true });
  cpSync(join(REPO_ROOT, `apps/${plane}-plane/package.json`), join(app, 'package.json'));
  symlinkSync(join(REPO_ROOT, `apps/${plane}-plane/node_modules`), join(app, 'node_modules'));
  return root;
}

/** Variables a test must set itself: never inherited from the developer's shell or turbo. */
const SERVICE_VARIABLES = [
  'PORT',
  'HOST',
  'TENANT_PLANE_DATABASE_URL',
  'CONTROL_PLANE_DATABASE_URL',
  'INTERNAL_SERVICE_SECRET',
  'MIGRATE_ON_STARTUP',
  'MIGRATION_LOCK_TIMEOUT_SECONDS',
  'MIGRATION_DATABASE_URL',
  'MIGRATION_CONNECT_WAIT_SECONDS',
  'MIGRATION_DDL_LOCK_TIMEOUT_SECONDS',
  'MIGRATION_LOCK_RETRIES',
  'MIGRATION_CONCURRENT_LOCK_TIMEOUT_SECONDS',
  'MIGRATION_BATCH',
  'LOG_LEVEL',
  'LOG_FORMAT',
  'ATLAS_DOTENV',
  'ATLAS_ENV_FILE',
];

export interface StartOptions {
  /**
   * A command the service runs under, e.g. `['unshare', '--pid', '--fork', '--kill-child']`: it ends
   * with the command to run (node and main.js are appended), and its exit status must be the service's.
   */
  readonly wrapper?: readonly string[];
  /** A repository root holding a copy of the built app (`copyBuiltApp`): its `data/` and `.env` are the defaults. */
  readonly root?: string;
}

/** Starts a plane's service on a port the OS picks (unless `env.PORT` says otherwise), on 127.0.0.1. */
export function startService(plane: 'tenant' | 'control', env: Record<string, string>, options: StartOptions = {}): ServiceProcess {
  requireFullTier(`the ${plane} service as a process`);
  const base: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && !SERVICE_VARIABLES.includes(key) && !key.startsWith('FLEET_')) base[key] = value;
  }
  const root = options.root ?? REPO_ROOT;
  const [command, ...args] = [...(options.wrapper ?? []), process.execPath, join(root, `apps/${plane}-plane/dist/main.js`)];
  const child = spawn(command!, args, {
    cwd: root,
    // ATLAS_DOTENV=0: a developer's .env at the repository root never reaches a test (a test of .env sets it to 1).
    env: { ...base, PORT: '0', HOST: '127.0.0.1', ATLAS_DOTENV: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  const waiters: (() => void)[] = [];
  const onData = (chunk: Buffer) => {
    text += chunk.toString();
    for (const wake of waiters.splice(0)) wake();
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const lines = () =>
    text
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as LogLine);
  let gone = false;
  void exited.then(() => {
    gone = true;
    for (const wake of waiters.splice(0)) wake();
  });
  const service: ServiceProcess = {
    child,
    output: () => text,
    lines,
    exited,
    ready: () =>
      new Promise<string>((resolve, reject) => {
        const check = () => {
          const listening = lines().find((l) => l.msg === 'listening');
          if (listening) return resolve(`http://127.0.0.1:${String(listening.port)}`);
          if (gone) return reject(new Error(`the ${plane} service exited (${child.exitCode}) before listening:\n${text}`));
          waiters.push(check);
        };
        check();
      }),
  };
  started.add(service);
  return service;
}

/** Kills every service a test started and waits for each to end (for afterEach). */
export async function stopAllServices(): Promise<void> {
  const all = [...started];
  started.clear();
  await Promise.all(
    all.map(async (s) => {
      if (s.child.exitCode === null && s.child.signalCode === null) s.child.kill('SIGKILL');
      await s.exited;
    }),
  );
}

export interface HttpResult {
  readonly status: number;
  readonly body: any;
}

/**
 * One HTTP call through node:http, which (unlike fetch) sends a body with any method, GET included; JSON
 * back when the answer is JSON.
 */
export function rawHttp(url: string, options: { method?: string; secret?: string; headers?: Record<string, string>; body?: string } = {}): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { ...options.headers };
    if (options.secret !== undefined) headers['x-service-secret'] = options.secret;
    if (options.body !== undefined) headers['content-length'] = String(Buffer.byteLength(options.body));
    const req = httpRequest(url, { method: options.method ?? 'GET', headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text === '' ? null : JSON.parse(text) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

/** One HTTP call, JSON back; `secret` goes in `x-service-secret`. */
export async function http(url: string, options: { method?: string; secret?: string } = {}): Promise<HttpResult> {
  const response = await fetch(url, {
    method: options.method ?? 'GET',
    headers: options.secret === undefined ? {} : { 'x-service-secret': options.secret },
  });
  const text = await response.text();
  return { status: response.status, body: text === '' ? null : JSON.parse(text) };
}

/** The engine's advisory-lock key of the history table in `schema`, to hold its lock from a test. */
export function migrationLockKey(schema = 'public'): string {
  return engineLockKey(schema).toString();
}
