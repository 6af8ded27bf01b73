import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createDialect, loadRegistryFromDir, runMigrations, silentLogger, type RunMode } from '@atlasai/migrator-core';
import { createPostgresDatabase, migrationFolder, type TestDatabase } from '@atlasai/test-kit';

/** RunOptions.signal ends a run and its statement on the server; RunOptions.applicationName names its session. */

const FILES = {
  '101_first.sql': 'CREATE TABLE first_table (id integer PRIMARY KEY);\n',
  '102_slow.sql': 'CREATE TABLE half_done (id integer);\nSELECT pg_sleep(30);\n',
  // Outside a transaction, so that no batch joins it with 102 (the abort is then located at 102's statement).
  '103_never.sql': '-- atlas:no-transaction\nCREATE TABLE never_run (id integer);\n',
};

async function until<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('aborting a run on PostgreSQL', () => {
  let db: TestDatabase;
  beforeEach(async () => {
    db = await createPostgresDatabase();
  });
  afterEach(async () => {
    await db.drop();
  });

  const run = async (mode: RunMode, signal: AbortSignal, applicationName: string, onProgress?: Parameters<typeof runMigrations>[0]['onProgress']) =>
    runMigrations({
      registry: await loadRegistryFromDir(migrationFolder(FILES), { plane: 'demo', range: { min: 100, max: 199 } }),
      dialect: await createDialect(db.url, silentLogger),
      mode,
      logger: silentLogger,
      signal,
      applicationName,
      ...(onProgress ? { onProgress } : {}),
    });
  const sessions = (name: string) =>
    db.query<{ pid: number; query: string; state: string }>(
      "SELECT pid, query, state FROM pg_stat_activity WHERE application_name = $1 OR application_name LIKE $1 || ' locked %'",
      [name],
    );

  it('ends the running statement on the server: ABORTED at the statement, nothing of it recorded, its backend gone, no later migration run', async () => {
    const name = `atlas-abort-${randomBytes(4).toString('hex')}`;
    const controller = new AbortController();
    let connected: () => void;
    const sessionOpen = new Promise<void>((resolve) => (connected = resolve));
    const report = run('apply', controller.signal, name, (event) => {
      if (event.kind === 'connected') connected();
    });
    await sessionOpen;
    // The session, under its own application name, is in the statement on the server.
    const backend = await until(async () => (await sessions(name)).find((s) => s.state === 'active' && s.query.includes('pg_sleep')), 'the pg_sleep statement');
    controller.abort(new Error('the tenant deadline passed'));
    const result = await report;
    expect(result.ok).toBe(false);
    expect(result.error).toMatchObject({ code: 'ABORTED', version: 102, statement: 2 });
    expect(result.error?.message).toMatch(/^Aborted: the tenant deadline passed \(the database said: /);
    expect(result.applied.map((m) => m.version)).toEqual([101]);
    expect((await db.query<{ version: string }>('SELECT version FROM schema_migrations ORDER BY version')).map((r) => Number(r.version))).toEqual([101]);
    expect(await db.tableExists('half_done')).toBe(false);
    expect(await db.tableExists('never_run')).toBe(false);
    await until(
      async () => ((await db.query('SELECT 1 FROM pg_stat_activity WHERE pid = $1', [backend.pid])).length === 0 ? true : undefined),
      'the backend to end',
    );
    // pg_locks shows the whole cluster: only this database's advisory locks are the run's.
    expect(
      await db.query(`SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`),
    ).toEqual([]);
    // The next run finishes the job.
    const again = await runMigrations({
      registry: await loadRegistryFromDir(migrationFolder({ ...FILES, '102_slow.sql': 'CREATE TABLE half_done (id integer);\n' }), {
        plane: 'demo',
        range: { min: 100, max: 199 },
      }),
      dialect: await createDialect(db.url, silentLogger),
      mode: 'apply',
      logger: silentLogger,
    });
    expect(again.applied.map((m) => m.version)).toEqual([102, 103]);
  });

  it('a signal aborted before the run never connects', async () => {
    const name = `atlas-abort-${randomBytes(4).toString('hex')}`;
    const result = await run('apply', AbortSignal.abort('shutting down'), name);
    expect(result).toMatchObject({ ok: false, connected: false, error: { code: 'ABORTED', message: 'Aborted before connecting: shutting down' } });
    expect(await db.tableExists('schema_migrations')).toBe(false);
  });

  it('names the session with applicationName; a signal that never aborts changes nothing', async () => {
    const name = `atlas-named-${randomBytes(4).toString('hex')}`;
    const result = await runMigrations({
      registry: await loadRegistryFromDir(migrationFolder({ '101_seen.sql': "CREATE TABLE seen AS SELECT current_setting('application_name') AS name;\n" }), {
        plane: 'demo',
        range: { min: 100, max: 199 },
      }),
      dialect: await createDialect(db.url, silentLogger),
      mode: 'apply',
      logger: silentLogger,
      signal: new AbortController().signal,
      applicationName: name,
    });
    expect(result.error).toBeNull();
    // The lock stamps the time it was taken after the name (lock.ts).
    expect((await db.query<{ name: string }>('SELECT name FROM seen'))[0]!.name).toMatch(new RegExp(`^${name} locked \\d{4}-`));
  });
});
