import { registry } from '@atlasai/tenant-migrations';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { createPostgresDatabase, DIALECTS, migrateFiles, type TestDatabase } from '@atlasai/test-kit';
import { http, type InProcessApp, listenApp, migrationLockKey } from '@atlasai/test-kit/service';
import { createApp, loadConfig, type TenantDatabase } from '../src/index.js';

/** The Tenant Plane's HTTP API over a real socket (createApp + listen), on both dialects. */
const TENANT = Array.from({ length: 18 }, (_, i) => 2001 + i);
const SECRET = 'api-test-secret-4d1e';
const ACME = '6f1c3f0e-8d5a-4c1e-9a7b-2b3c4d5e6f70';
const GLOBEX = '0a9b8c7d-6e5f-4a3b-8c2d-1e0f9a8b7c6d';

let db: TestDatabase | undefined;
let service: InProcessApp | undefined;
afterEach(async () => {
  await service?.close();
  service = undefined;
  await db?.drop();
  db = undefined;
});

const start = (env: Record<string, string>) => listenApp<TenantDatabase>((e) => loadConfig(e, '/nonexistent'), createApp, env);
const migrateTo = async (url: string, to: number) => {
  const report = await migrateFiles(url, registry, { to });
  expect(report.ok).toBe(true);
};
const historyCount = async (database: TestDatabase) =>
  (await database.tableExists('schema_migrations')) ? Number((await database.query<{ n: number }>('SELECT count(*) AS n FROM schema_migrations'))[0]!.n) : 0;

describe.each(DIALECTS)('tenant API on $name', ({ create }) => {
  it('without the right secret nothing runs: 401 for a missing or wrong header, 403 on every call when none is configured', async () => {
    db = await create();
    service = await start({ TENANT_PLANE_DATABASE_URL: db.url, INTERNAL_SERVICE_SECRET: SECRET });
    const calls = [
      ['POST', '/api/db/migrate'],
      ['POST', '/api/db/migrate?dryRun=true'],
      ['GET', '/api/db/status'],
      ['GET', `/api/incidents?tenantId=${ACME}`],
    ] as const;
    for (const [method, path] of calls) {
      expect(await http(`${service.url}${path}`, { method })).toEqual({ status: 401, body: { error: 'missing or invalid x-service-secret header' } });
      expect(await http(`${service.url}${path}`, { method, secret: `${SECRET}x` })).toEqual({
        status: 401,
        body: { error: 'missing or invalid x-service-secret header' },
      });
      expect(await http(`${service.url}${path}`, { method, secret: SECRET.slice(0, -1) })).toMatchObject({ status: 401 });
    }
    await service.close();
    service = await start({ TENANT_PLANE_DATABASE_URL: db.url });
    for (const [method, path] of calls) {
      for (const secret of [undefined, '', SECRET]) {
        expect(await http(`${service.url}${path}`, secret === undefined ? { method } : { method, secret })).toEqual({
          status: 403,
          body: { error: 'INTERNAL_SERVICE_SECRET is not configured on this service; internal endpoints are disabled' },
        });
      }
    }
    expect(await historyCount(db)).toBe(0);
    // Health is the load balancer's: it takes no secret.
    expect((await http(`${service.url}/api/health`)).body.status).toBe('schema_behind');
  });

  it('incidents: 503 "schema behind" before 2003, then the tenant’s rows by status after the API applied it; bad parameters are 400', async () => {
    db = await create();
    await migrateTo(db.url, 2002);
    service = await start({ TENANT_PLANE_DATABASE_URL: db.url, INTERNAL_SERVICE_SECRET: SECRET });
    const incidents = (query: string) => http(`${service!.url}/api/incidents?${query}`, { secret: SECRET });
    expect(await incidents(`tenantId=${ACME}`)).toEqual({ status: 503, body: { error: 'schema behind', requires: 2003 } });

    const insert = (tenant: string, number: string, status: string, createdAt: string) =>
      db!.query(
        `INSERT INTO incidents (tenant_id, number, title, status, severity, created_at) VALUES (${db!.dialect === 'postgres' ? '$1, $2, $3, $4, $5, $6' : '?, ?, ?, ?, ?, ?'})`,
        [tenant, number, `Incident ${number}`, status, 'high', createdAt],
      );
    await insert(ACME, 'INC0001', 'new', '2026-03-01T10:00:00.000Z');
    await insert(ACME, 'INC0002', 'resolved', '2026-03-02T10:00:00.000Z');
    await insert(ACME, 'INC0003', 'new', '2026-03-03T10:00:00.000Z');
    await insert(GLOBEX, 'INC0001', 'new', '2026-03-04T10:00:00.000Z');

    expect((await http(`${service.url}/api/db/migrate`, { method: 'POST', secret: SECRET })).status).toBe(200);
    const open = await incidents(`tenantId=${ACME}&status=new`);
    expect(open.status).toBe(200);
    expect(
      open.body.incidents.map((i: { number: string; tenantId: string; status: string; createdAt: string }) => [i.number, i.tenantId, i.status, i.createdAt]),
    ).toEqual([
      ['INC0003', ACME, 'new', '2026-03-03T10:00:00.000Z'],
      ['INC0001', ACME, 'new', '2026-03-01T10:00:00.000Z'],
    ]);
    expect(open.body.incidents[0]).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      tenantId: ACME,
      number: 'INC0003',
      title: 'Incident INC0003',
      status: 'new',
      severity: 'high',
      priority: 3,
      source: 'manual',
      assigneeId: null,
      createdAt: '2026-03-03T10:00:00.000Z',
      resolvedAt: null,
    });
    expect((await incidents(`tenantId=${ACME}`)).body.incidents.map((i: { number: string }) => i.number)).toEqual(['INC0003', 'INC0002', 'INC0001']);
    expect((await incidents(`tenantId=${GLOBEX}&status=resolved`)).body).toEqual({ incidents: [] });

    for (const bad of ['tenantId=42', "tenantId=' OR 1=1 --", '', `tenantId=${ACME}&status=exploded`, `tenantId=${ACME}&limit=0`]) {
      const response = await incidents(bad);
      expect(response.status).toBe(400);
      expect(response.body).toEqual({ error: 'invalid request', message: expect.stringMatching(/^querystring/) });
    }
  });

  it('status lists every migration’s state; a failed migration answers 500 with the report and the service keeps serving', async () => {
    db = await create();
    await migrateTo(db.url, 2001);
    // A hand-made table that 2006 is about to create, without the column its index needs.
    await db.query('CREATE TABLE vault_credential_rotations (id integer PRIMARY KEY)');
    service = await start({ TENANT_PLANE_DATABASE_URL: db.url, INTERNAL_SERVICE_SECRET: SECRET });
    const status = await http(`${service.url}/api/db/status`, { secret: SECRET });
    expect(status.status).toBe(200);
    expect(status.body.ok).toBe(true);
    expect(status.body.planes).toHaveLength(1);
    expect(status.body.planes[0]).toMatchObject({ plane: 'tenant', ok: true, error: null });
    // The drift part: the hand-made table is extra (2006 is not applied), not drift; pending keeps it from up to date.
    expect(status.body).toMatchObject({ schemaVersion: 2, upToDate: false });
    expect(status.body.planes[0].drift).toMatchObject({ ok: true, error: null });
    expect(status.body.planes[0].drift.findings).toContainEqual(
      expect.objectContaining({ kind: 'extra', objectKind: 'table', name: 'vault_credential_rotations', version: 2006 }),
    );
    expect(status.body.planes[0].entries.map((e: { version: number; state: string }) => `${e.version} ${e.state}`)).toEqual(
      TENANT.map((v) => `${v} ${v === 2001 ? 'applied' : 'pending'}`),
    );

    const failed = await http(`${service.url}/api/db/migrate`, { method: 'POST', secret: SECRET });
    expect(failed.status).toBe(500);
    expect(failed.body).toMatchObject({ plane: 'tenant', ok: false, error: { code: 'STATEMENT_FAILED', version: 2006, name: 'add_vault_rotation' } });
    expect(failed.body.applied.map((m: { version: number }) => m.version)).toEqual([2002, 2003, 2004, 2005]);
    expect(failed.body.error.statement).toEqual(expect.any(Number));
    if (db.dialect === 'postgres') expect(failed.body.error.sqlstate).toMatch(/^[0-9A-Z]{5}$/);
    else expect(failed.body.error.dbCode).toBe('SQLITE_ERROR');

    const health = await http(`${service.url}/api/health`);
    expect(health).toEqual({
      status: 503,
      body: { status: 'schema_behind', plane: 'tenant', schema: { latestApplied: 2005, pending: TENANT.filter((v) => v >= 2006), unknownApplied: [] } },
    });
  });

  it('health: a database ahead of the code is healthy (forward-only)', async () => {
    db = await create();
    await migrateTo(db.url, 2018);
    await db.query(`INSERT INTO schema_migrations (version, name) VALUES (2019, 'from_a_newer_release')`);
    service = await start({ TENANT_PLANE_DATABASE_URL: db.url });
    expect(await http(`${service.url}/api/health`)).toEqual({
      status: 200,
      body: { status: 'ok', plane: 'tenant', schema: { latestApplied: 2019, pending: [], unknownApplied: [2019] } },
    });
  });
});

describe('tenant API on PostgreSQL', () => {
  it('concurrent migrate calls are serialised by the engine’s lock: all succeed, each migration runs once', async () => {
    db = await createPostgresDatabase();
    service = await start({ TENANT_PLANE_DATABASE_URL: db.url, INTERNAL_SERVICE_SECRET: SECRET });
    const calls = await Promise.all([1, 2, 3].map(() => http(`${service!.url}/api/db/migrate`, { method: 'POST', secret: SECRET })));
    expect(calls.map((c) => c.status)).toEqual([200, 200, 200]);
    const applied = calls.flatMap((c) => c.body.applied.map((m: { version: number }) => m.version)).sort();
    expect(applied).toEqual(TENANT);
  });

  it('a lock wait that times out answers 409 naming the holder', async () => {
    db = await createPostgresDatabase();
    const holder = new pg.Client({ connectionString: db.url, application_name: 'test-lock-holder' });
    await holder.connect();
    try {
      await holder.query('SELECT pg_advisory_lock($1::bigint)', [migrationLockKey()]);
      service = await start({ TENANT_PLANE_DATABASE_URL: db.url, INTERNAL_SERVICE_SECRET: SECRET, MIGRATION_LOCK_TIMEOUT_SECONDS: '1' });
      const response = await http(`${service.url}/api/db/migrate`, { method: 'POST', secret: SECRET });
      expect(response.status).toBe(409);
      expect(response.body).toMatchObject({ ok: false, applied: [], error: { code: 'LOCK_TIMEOUT' } });
      expect(response.body.error.message).toContain('test-lock-holder');
    } finally {
      await holder.end();
    }
  });

  it('health: a database that cannot be reached is 503 database_unreachable', async () => {
    db = await createPostgresDatabase();
    service = await start({ TENANT_PLANE_DATABASE_URL: db.url });
    await db.drop();
    db = undefined;
    expect(await http(`${service.url}/api/health`)).toEqual({ status: 503, body: { status: 'database_unreachable', plane: 'tenant', schema: null } });
  });
});

describe('tenant plane configuration', () => {
  it('defaults: port 3000 on 0.0.0.0, data/tenant-plane.db, migrate on startup, 60 s lock wait, no secret', () => {
    expect(loadConfig({}, '/srv/data')).toEqual({
      plane: 'tenant',
      port: 3000,
      host: '0.0.0.0',
      database: { kind: 'sqlite', path: '/srv/data/tenant-plane.db', redacted: '/srv/data/tenant-plane.db', secrets: [] },
      internalServiceSecret: null,
      migrateOnStartup: true,
      lockTimeoutMs: 60_000,
      batchMigrations: true,
      logLevel: 'info',
      logFormat: 'json',
      connectWaitMs: 30_000,
      databaseSource: 'default',
      migrationDatabase: { kind: 'sqlite', path: '/srv/data/tenant-plane.db', redacted: '/srv/data/tenant-plane.db', secrets: [] },
      migration: { connectWaitMs: 30_000 },
    });
  });
});
