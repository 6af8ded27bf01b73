import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDialect, runMigrations, silentLogger } from '@atlasai/migrator-core';
import { registry } from '@atlasai/tenant-migrations';
import { afterEach, describe, expect, it } from 'vitest';
import { DIALECTS, eventually, freePort, type TestDatabase } from '@atlasai/test-kit';
import { http, type ServiceProcess, startService, stopAllServices } from '@atlasai/test-kit/service';

/** The service as a process: boot applies, boot refuses a failed schema, restore, exits. Both dialects. */
const TENANT = Array.from({ length: 18 }, (_, i) => 2001 + i);
const SECRET = 'boot-test-secret';

let db: TestDatabase | undefined;
afterEach(async () => {
  await stopAllServices();
  await db?.drop();
  db = undefined;
});

const versions = async (database: TestDatabase) =>
  (await database.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version')).map((r) => Number(r.version));
const logLine = (service: ServiceProcess, msg: string) => service.lines().find((l) => l.msg === msg);

async function stop(service: ServiceProcess): Promise<number | null> {
  service.child.kill('SIGTERM');
  return service.exited;
}

describe.each(DIALECTS)('tenant service on $name', ({ create }) => {
  it('boot applies every pending migration before it listens; a second boot applies nothing', async () => {
    db = await create();
    const first = startService('tenant', { TENANT_PLANE_DATABASE_URL: db.url, INTERNAL_SERVICE_SECRET: SECRET });
    const url = await first.ready();
    expect(logLine(first, 'startup migration complete')).toMatchObject({
      plane: 'tenant',
      applied: TENANT,
      report: { ok: true, alreadyApplied: [], pending: [], error: null },
    });
    const order = first.lines().map((l) => l.msg);
    expect(order.indexOf('config loaded')).toBeLessThan(order.indexOf('database opened'));
    expect(order.indexOf('database opened')).toBeLessThan(order.indexOf('startup migration complete'));
    expect(order.indexOf('startup migration complete')).toBeLessThan(order.indexOf('listening'));
    expect(await versions(db)).toEqual(TENANT);
    expect(await http(`${url}/api/health`)).toEqual({
      status: 200,
      body: { status: 'ok', plane: 'tenant', schema: { latestApplied: 2018, pending: [], unknownApplied: [] } },
    });
    expect(await stop(first)).toBe(0);

    const second = startService('tenant', { TENANT_PLANE_DATABASE_URL: db.url, INTERNAL_SERVICE_SECRET: SECRET });
    await second.ready();
    expect(logLine(second, 'startup migration complete')).toMatchObject({ applied: [], report: { ok: true, applied: [], alreadyApplied: TENANT } });
    expect(await versions(db)).toEqual(TENANT);
    expect(await stop(second)).toBe(0);
  });

  it('loads the PostgreSQL driver only for a PostgreSQL database (a SQLite boot does without pg)', async () => {
    db = await create();
    // Preloaded into the service: at exit, which drivers it loaded.
    const probe = join(mkdtempSync(join(tmpdir(), 'atlas-probe-')), 'probe.cjs');
    writeFileSync(
      probe,
      "process.on('exit', () => process.stderr.write('\\nLOADED ' + JSON.stringify([...new Set(Object.keys(require.cache).map((p) => /node_modules[\\\\/](pg|better-sqlite3)[\\\\/]/.exec(p)?.[1]).filter(Boolean))].sort()) + '\\n'));\n",
    );
    const service = startService('tenant', { TENANT_PLANE_DATABASE_URL: db.url, INTERNAL_SERVICE_SECRET: SECRET, NODE_OPTIONS: `--require ${probe}` });
    await service.ready();
    expect(await stop(service)).toBe(0);
    const loaded = JSON.parse(/\nLOADED (.*)\n/.exec(service.output())![1]!) as string[];
    expect(loaded).toEqual(db.dialect === 'postgres' ? ['better-sqlite3', 'pg'] : ['better-sqlite3']);
  });

  it('MIGRATE_ON_STARTUP=false after a restore: health 503 schema_behind, the API applies, health 200', async () => {
    db = await create();
    // The restored backup is at 2010.
    const dialect = await createDialect(db.url, silentLogger);
    expect((await runMigrations({ registry, dialect, mode: 'apply', logger: silentLogger, to: 2010 })).ok).toBe(true);
    const service = startService('tenant', { TENANT_PLANE_DATABASE_URL: db.url, INTERNAL_SERVICE_SECRET: SECRET, MIGRATE_ON_STARTUP: 'false' });
    const url = await service.ready();
    expect(
      logLine(
        service,
        'startup migration disabled (MIGRATE_ON_STARTUP=false): run `npm run migrate:versioned` or POST /api/db/migrate; health reports what is pending',
      ),
    ).toBeDefined();
    const behind = TENANT.filter((v) => v > 2010);
    expect(await http(`${url}/api/health`)).toEqual({
      status: 503,
      body: { status: 'schema_behind', plane: 'tenant', schema: { latestApplied: 2010, pending: behind, unknownApplied: [] } },
    });

    const dry = await http(`${url}/api/db/migrate?dryRun=true`, { method: 'POST', secret: SECRET });
    expect(dry.status).toBe(200);
    expect(dry.body).toMatchObject({
      schemaVersion: 1,
      mode: 'dry-run',
      plane: 'tenant',
      ok: true,
      applied: [],
      pending: behind.map((version) => ({ version })),
      error: null,
    });
    expect(await versions(db)).toEqual(TENANT.filter((v) => v <= 2010));

    const run = await http(`${url}/api/db/migrate`, { method: 'POST', secret: SECRET });
    expect(run.status).toBe(200);
    expect(Object.keys(run.body)).toEqual([
      'schemaVersion',
      'mode',
      'plane',
      'target',
      'ok',
      'applied',
      'alreadyApplied',
      'pending',
      'unknownApplied',
      'outOfOrder',
      'unverified',
      'reformatted',
      'unrecordedObjects',
      'drift',
      'syntaxGrammar',
      'error',
    ]);
    expect(run.body).toMatchObject({ schemaVersion: 1, mode: 'apply' });
    expect(run.body.applied.map((m: { version: number }) => m.version)).toEqual(behind);
    expect(run.body).toMatchObject({ ok: true, alreadyApplied: TENANT.filter((v) => v <= 2010), pending: [], unknownApplied: [], error: null });
    expect(await versions(db)).toEqual(TENANT);
    expect((await http(`${url}/api/health`)).status).toBe(200);
    // The log line is written before the reply, but reaches this process through a pipe: wait for it.
    await eventually(() => service.lines().filter((l) => l.msg === 'migrate call').length === 2);
    expect(
      service
        .lines()
        .filter((l) => l.msg === 'migrate call')
        .map((l) => l.mode),
    ).toEqual(['dry-run', 'apply']);
    expect(
      service
        .lines()
        .filter((l) => l.msg === 'migrate call')
        .at(-1),
    ).toMatchObject({ plane: 'tenant', mode: 'apply', ok: true, applied: behind, durationMs: expect.any(Number) });
    expect(await stop(service)).toBe(0);
  });

  it('a failing migration at boot: the full report is logged, nothing listens, exit 1', async () => {
    db = await create();
    // A hand-made incidents table without tenant_id: 2001 skips CREATE TABLE, then its index fails.
    await db.query('CREATE TABLE incidents (id integer PRIMARY KEY, number text)');
    const port = await freePort();
    const service = startService('tenant', { TENANT_PLANE_DATABASE_URL: db.url, PORT: String(port) });
    expect(await service.exited).toBe(1);
    expect(logLine(service, 'listening')).toBeUndefined();
    const failed = logLine(service, 'startup migration failed: not serving a half-migrated schema');
    expect(failed).toMatchObject({
      level: 60,
      plane: 'tenant',
      applied: [],
      report: {
        ok: false,
        applied: [],
        pending: TENANT.map((version) => ({ version })),
        error: { code: 'STATEMENT_FAILED', version: 2001, name: 'tenant_org_teams_itsm_governance' },
      },
    });
    const error = (failed!.report as { error: { statement: number; sqlstate: string | null; dbCode: string | null; message: string } }).error;
    expect(error.statement).toBeGreaterThan(1);
    if (db.dialect === 'postgres') expect(error.sqlstate).toBe('42703');
    else expect(error.dbCode).toBe('SQLITE_ERROR');
    expect(error.message).toMatch(/tenant_id/);
    await expect(fetch(`http://127.0.0.1:${port}/api/health`)).rejects.toThrow();
    expect(await versions(db)).toEqual([]);
  });
});
