import { pathToFileURL } from 'node:url';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installCommand, peerRange } from '../src/dialects/peer-range.js';
import { announcedProcessId } from '../src/dialects/postgres/pg-internals.js';
import { ATLAS_MIGRATE, createPostgresDatabase, eventually, migrationFolder, REPO_ROOT, run, type TestDatabase } from '@atlasai/test-kit';

/**
 * What the engine relies on in the pg driver, checked on real connections to the local PostgreSQL: the
 * one undocumented field (pg-internals.ts) and the public behaviour that replaced the others. A pg release
 * that changes any of it fails here first.
 */
describe('the pg driver as the engine uses it', () => {
  let db: TestDatabase;
  let client: pg.Client;
  beforeAll(async () => {
    db = await createPostgresDatabase();
    client = new pg.Client({ connectionString: db.url });
  });
  afterAll(async () => {
    await client.end().catch(() => undefined);
    await db.drop();
  });

  it('announces the backend pid: announcedProcessId() is null before connecting and pg_backend_pid() after', async () => {
    expect(announcedProcessId(client)).toBeNull();
    await client.connect();
    const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    expect(announcedProcessId(client)).toBe(rows[0]!.pid);
  });

  it('reports the transaction status after each statement: I, T after BEGIN, E after an error in it, I after ROLLBACK', async () => {
    expect(client.getTransactionStatus()).toBe('I');
    await client.query('BEGIN');
    expect(client.getTransactionStatus()).toBe('T');
    await expect(client.query('SELECT 1/0')).rejects.toMatchObject({ code: '22012' });
    // pg rejects on the ErrorResponse; the status comes with the ReadyForQuery after it, which may arrive in a
    // later packet: until then it still reads 'T'. The engine never decides on it there (a failed statement is
    // followed by a ROLLBACK whether it reads 'T' or 'E'), and its next statement waits for that message.
    await eventually(() => client.getTransactionStatus() === 'E', 5_000);
    await client.query('ROLLBACK');
    expect(client.getTransactionStatus()).toBe('I');
  });

  it('end() while a statement runs closes the connection at once, without waiting for the statement', async () => {
    const other = new pg.Client({ connectionString: db.url });
    await other.connect();
    const running = other.query('SELECT pg_sleep(3600)').then(
      () => 'finished',
      (error: Error) => error.message,
    );
    // Were end() to wait for the statement, this would outlast the test's timeout.
    await other.end();
    expect(await running).toMatch(/Connection terminated/);
  });
});

describe('the engine changes nothing outside itself', () => {
  let db: TestDatabase;
  let dir: string;
  let probe: string;
  beforeAll(async () => {
    db = await createPostgresDatabase();
    const sql = 'CREATE TABLE t (id int PRIMARY KEY);\nCREATE INDEX t_id ON t (id);\n';
    dir = migrationFolder({ '0001_init.postgres.sql': sql, '0001_init.sqlite.sql': sql });
    probe = join(dir, 'probe.cjs');
    // Preloaded: records every V8 flag set and every global defined while the process runs.
    writeFileSync(
      probe,
      `const v8 = require('node:v8');
const seen = { flags: [], globals: [] };
const setFlags = v8.setFlagsFromString;
v8.setFlagsFromString = (flags) => { seen.flags.push(flags); return setFlags(flags); };
const defineProperty = Object.defineProperty;
// Node's own fetch (undici), which pg touches on Node 20 to tell a Cloudflare Worker, keeps its dispatcher
// under a symbol of its own: Node's state, not the engine's.
const mine = (key) => !(typeof key === 'symbol' && String(key.description).startsWith('undici.'));
Object.defineProperty = function (target, key, descriptor) { if (target === globalThis && mine(key)) seen.globals.push(String(key)); return defineProperty(target, key, descriptor); };
const before = new Set(Object.getOwnPropertyNames(globalThis));
process.on('exit', () => {
  for (const name of Object.getOwnPropertyNames(globalThis)) if (!before.has(name)) seen.globals.push(name);
  process.stderr.write('\\nSEEN ' + JSON.stringify(seen));
});
`,
    );
  });
  afterAll(async () => {
    await db.drop();
  });

  it('the library: a PostgreSQL run through the API (driver and parser loaded) sets no V8 flag and defines no global, even for a moment', async () => {
    const engine = pathToFileURL(join(REPO_ROOT, 'packages/migrator-core/dist/index.js')).href;
    const script = join(dir, 'api-run.mjs');
    writeFileSync(
      script,
      `import { createDialect, loadRegistryFromDir, runMigrations, silentLogger } from ${JSON.stringify(engine)};
const registry = await loadRegistryFromDir(${JSON.stringify(dir)}, { plane: 'probe' });
const report = await runMigrations({ registry, dialect: await createDialect(process.argv[2], silentLogger), mode: 'apply', logger: silentLogger });
if (!report.ok) { process.stderr.write(report.error.message); process.exitCode = 1; }
`,
    );
    const result = await run(process.execPath, ['--require', probe, script, db.url]);
    expect(result.code, result.stderr).toBe(0);
    expect(await db.tableExists('t')).toBe(true);
    expect(JSON.parse(/\nSEEN (.*)$/.exec(result.stderr)![1]!)).toEqual({ flags: [], globals: [] });
  });

  it('the CLI program (not the library) chooses Liftoff-only compilation for the parser, first thing, and nothing else', async () => {
    const result = await run(process.execPath, ['--require', probe, ATLAS_MIGRATE, 'plan', '--url', db.url, '--dir', dir]);
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(/\nSEEN (.*)$/.exec(result.stderr)![1]!)).toEqual({ flags: ['--liftoff-only'], globals: [] });
  });
});

describe('the missing-driver hint', () => {
  const manifest = JSON.parse(readFileSync(join(REPO_ROOT, 'packages/migrator-core/package.json'), 'utf8')) as { peerDependencies: Record<string, string> };

  it('reads each driver range from the package.json, quoted for the shell', () => {
    expect(peerRange('pg')).toBe(manifest.peerDependencies.pg);
    expect(peerRange('better-sqlite3')).toBe(manifest.peerDependencies['better-sqlite3']);
    expect(installCommand('pg')).toBe(`npm install 'pg@${manifest.peerDependencies.pg}'`);
    expect(peerRange('not-a-peer')).toBeUndefined();
    expect(installCommand('not-a-peer')).toBe('npm install not-a-peer');
  });

  it('finds the package.json from the built files too (dist/ is one level below it)', () => {
    const fromDist = new URL('../dist/index.js', import.meta.url).href;
    expect(peerRange('pg', fromDist)).toBe(manifest.peerDependencies.pg);
  });
});
