import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { createPostgresDatabase, createSqliteDatabase, REPO_ROOT, type TestDatabase } from '@atlasai/test-kit';
import { migrationLockKey, startService, stopAllServices } from '@atlasai/test-kit/service';
import { appliedVersions, call, createTenantDatabases, dropTenantDatabases, registerTenants, SETTLED, waitForRun, type FleetTenant } from './fleet-fixture.js';

/** The fleet's API through the real Control Plane process and socket: auth, request shape, SQLite, and runs end to end. */
const SECRET = 'fleet-api-secret-4d1c';
const MISSING_RUN = '00000000-0000-4000-8000-000000000000';
const TENANT_VERSIONS = readdirSync(join(REPO_ROOT, 'packages/tenant-migrations/sql'))
  .filter((f) => f.endsWith('.postgres.sql'))
  .map((f) => Number(f.slice(0, 4)))
  .sort((a, b) => a - b);

/** Every fleet route, with a body where it takes one. */
const ROUTES: { method: string; path: string; json?: unknown }[] = [
  { method: 'POST', path: '/api/fleet/runs', json: { mode: 'apply' } },
  { method: 'GET', path: '/api/fleet/runs' },
  { method: 'GET', path: `/api/fleet/runs/${MISSING_RUN}` },
  ...['pause', 'resume', 'retry', 'cancel'].map((a) => ({ method: 'POST', path: `/api/fleet/runs/${MISSING_RUN}/${a}` })),
  { method: 'GET', path: '/api/fleet/status' },
];

let control: TestDatabase | undefined;
let tenants: FleetTenant[] = [];
afterEach(async () => {
  await stopAllServices();
  await control?.drop();
  control = undefined;
  await dropTenantDatabases(tenants);
  tenants = [];
});

describe('fleet API on a SQLite Control Plane', () => {
  it('every route answers 409 FLEET_REQUIRES_POSTGRES behind the header (401 without, 400 for an unknown parameter); the rest keeps working', async () => {
    control = await createSqliteDatabase();
    const service = startService('control', { CONTROL_PLANE_DATABASE_URL: control.url, INTERNAL_SERVICE_SECRET: SECRET });
    const base = await service.ready();
    for (const route of ROUTES) {
      const url = `${base}${route.path}`;
      expect(await call(url, { method: route.method, json: route.json }), `${route.method} ${route.path}`).toMatchObject({ status: 401 });
      expect(await call(url, { method: route.method, json: route.json, secret: 'wrong' })).toMatchObject({ status: 401 });
      const refused = await call(url, { method: route.method, json: route.json, secret: SECRET });
      expect(refused.status, `${route.method} ${route.path}`).toBe(409);
      expect(refused.body).toEqual({ code: 'FLEET_REQUIRES_POSTGRES', error: expect.stringMatching(/PostgreSQL/) });
      expect((await call(`${url}?bogus=1`, { method: route.method, json: route.json, secret: SECRET })).status, `${route.path}?bogus=1`).toBe(400);
    }
    // The page and its data say the same to a caller with the header.
    const page = await call(`${base}/fleet`, { secret: SECRET });
    expect(page.status).toBe(409);
    expect(page.text).toMatch(/PostgreSQL required/);
    expect((await call(`${base}/fleet/data`, { secret: SECRET })).body).toMatchObject({ code: 'FLEET_REQUIRES_POSTGRES' });
    expect((await call(`${base}/fleet?bogus=1`, { secret: SECRET })).status).toBe(400);
    expect((await call(`${base}/fleet/data?bogus=1`, { secret: SECRET })).status).toBe(400);
    // Everything else serves as before.
    expect((await call(`${base}/api/health`)).status).toBe(200);
    expect((await call(`${base}/api/admin/leads`, { secret: SECRET })).status).toBe(200);
    expect(service.lines().some((l) => /fleet/.test(String(l.msg)))).toBe(false);
  });

  it('with no secret configured every fleet route, the page, its data and the login answer 403', async () => {
    control = await createSqliteDatabase();
    const base = await startService('control', { CONTROL_PLANE_DATABASE_URL: control.url }).ready();
    for (const route of ROUTES) expect((await call(`${base}${route.path}`, { method: route.method, json: route.json, secret: 'anything' })).status).toBe(403);
    expect((await call(`${base}/fleet`)).status).toBe(403);
    expect((await call(`${base}/fleet/data`, { secret: '' })).status).toBe(403);
    const login = await fetch(`${base}/fleet/login`, { method: 'POST', body: new URLSearchParams({ secret: '' }), redirect: 'manual' });
    expect(login.status).toBe(403);
    expect(login.headers.get('set-cookie')).toBeNull();
  });
});

describe('fleet API on a PostgreSQL Control Plane', () => {
  async function boot(specs: { name: string; broken?: boolean }[]): Promise<string> {
    control = await createPostgresDatabase();
    tenants = await createTenantDatabases(specs);
    const base = await startService('control', { CONTROL_PLANE_DATABASE_URL: control.url, INTERNAL_SERVICE_SECRET: SECRET }).ready();
    await registerTenants(control, tenants);
    return base;
  }

  it('POST creates a run that this replica works to the end; GET shows it, its items and the status; 401, 400 and 404 as documented', async () => {
    const base = await boot([{ name: 'Acme' }, { name: 'Globex' }, { name: 'Initech' }]);
    for (const route of ROUTES) expect((await call(`${base}${route.path}`, { method: route.method, json: route.json })).status).toBe(401);
    for (const route of ROUTES)
      expect((await call(`${base}${route.path}?dryrun=true`, { method: route.method, json: route.json, secret: SECRET })).status).toBe(400);
    for (const json of [{ mode: 'apply', bogus: 1 }, { mode: 'migrate' }, { mode: 'apply', filter: { tag: ['x'] } }, {}]) {
      expect((await call(`${base}/api/fleet/runs`, { method: 'POST', json, secret: SECRET })).status, JSON.stringify(json)).toBe(400);
    }

    const created = await call(`${base}/api/fleet/runs`, { method: 'POST', json: { mode: 'apply', createdBy: 'fleet-api test' }, secret: SECRET });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ schemaVersion: 1, mode: 'apply', total: 3 });
    const run = await waitForRun(base, SECRET, created.body.id, (r) => SETTLED.has(r.state));
    expect(run).toMatchObject({ id: created.body.id, state: 'succeeded', total: 3, counts: { succeeded: 3, failed: 0 } });
    expect(run.items.map((i: { tenantId: string }) => i.tenantId).sort()).toEqual(tenants.map((t) => t.id).sort());
    for (const item of run.items) expect(item).toMatchObject({ state: 'succeeded', version: TENANT_VERSIONS.at(-1), error: null });
    for (const tenant of tenants) expect(await appliedVersions(tenant)).toEqual(TENANT_VERSIONS);
    // No password or URL userinfo in what the API shows.
    for (const item of run.items) expect(item.target).not.toMatch(/@|postgres(ql)?:\/\//);

    const status = await call(`${base}/api/fleet/status`, { secret: SECRET });
    expect(status.status).toBe(200);
    expect(status.body).toMatchObject({ schemaVersion: 1, tenants: 3, liveRuns: [], lastRun: { id: run.id, state: 'succeeded' } });
    expect((await call(`${base}/api/fleet/runs`, { secret: SECRET })).body.runs.map((r: { id: string }) => r.id)).toEqual([run.id]);

    expect(await call(`${base}/api/fleet/runs/${MISSING_RUN}`, { secret: SECRET })).toMatchObject({ status: 404, body: { code: 'FLEET_RUN_NOT_FOUND' } });
    expect(await call(`${base}/api/fleet/runs/${MISSING_RUN}/cancel`, { method: 'POST', secret: SECRET })).toMatchObject({
      status: 404,
      body: { code: 'FLEET_RUN_NOT_FOUND' },
    });
    // A finished run cannot be paused.
    expect(await call(`${base}/api/fleet/runs/${run.id}/pause`, { method: 'POST', secret: SECRET })).toMatchObject({
      status: 409,
      body: { code: 'FLEET_INVALID_TRANSITION' },
    });

    // A second replica on the same Control Plane accepts the page's session cookie the first one issued; no action does.
    const second = await startService('control', { CONTROL_PLANE_DATABASE_URL: control!.url, INTERNAL_SERVICE_SECRET: SECRET }).ready();
    const login = await fetch(`${base}/fleet/login`, { method: 'POST', body: new URLSearchParams({ secret: SECRET }), redirect: 'manual' });
    expect(login.status).toBe(303);
    expect(login.headers.get('location')).toBe('/fleet');
    const setCookie = login.headers.get('set-cookie') ?? '';
    expect(setCookie).toMatch(/^atlas_fleet_session=v1\.[^;]+; Path=\/fleet; Max-Age=28800; HttpOnly; SameSite=Strict$/);
    const cookie = { cookie: setCookie.split(';')[0]! };
    expect(await call(`${second}/fleet/data`, { headers: cookie })).toMatchObject({
      status: 200,
      body: { schemaVersion: 1, live: false, run: { id: run.id } },
    });
    expect((await call(`${second}/fleet`, { headers: cookie })).status).toBe(200);
    expect((await call(`${second}/fleet`, { headers: { cookie: 'atlas_fleet_session=v1.9999999999.x.y' } })).status).toBe(401);
    expect((await call(`${second}/fleet/data`, { headers: { ...cookie, 'x-service-secret': 'wrong' } })).status).toBe(401);
    expect((await call(`${second}/api/fleet/status`, { headers: cookie })).status).toBe(401);
    expect((await call(`${second}/api/fleet/runs`, { method: 'POST', json: { mode: 'apply' }, headers: cookie })).status).toBe(401);
  });

  it('pause, resume and cancel act on a live run; a failed tenant halts the run with the engine error, and retry of the failed item succeeds once it is fixed', async () => {
    const base = await boot([{ name: 'Acme' }, { name: 'Broken', broken: true }]);
    const [good, broken] = tenants as [FleetTenant, FleetTenant];
    // The engine's own lock on the good tenant's history keeps the run live while we act on it.
    const holder = new pg.Client({ connectionString: good.url });
    await holder.connect();
    await holder.query('SELECT pg_advisory_lock($1::bigint)', [migrationLockKey()]);
    const post = (path: string) => call(`${base}${path}`, { method: 'POST', secret: SECRET });
    let id: string;
    try {
      id = (await call(`${base}/api/fleet/runs`, { method: 'POST', json: { mode: 'apply' }, secret: SECRET })).body.id;
      expect(await post(`/api/fleet/runs/${id}/pause`)).toMatchObject({ status: 200, body: { id, state: 'paused' } });
      expect((await call(`${base}/api/fleet/runs/${id}`, { secret: SECRET })).body.state).toBe('paused');
      expect(await post(`/api/fleet/runs/${id}/resume`)).toMatchObject({ status: 200, body: { id, state: 'running' } });
    } finally {
      await holder.end();
    }
    const halted = await waitForRun(base, SECRET, id, (r) => SETTLED.has(r.state));
    expect(halted.state).toMatch(/^(halted|failed)$/);
    const failed = halted.items.find((i: { tenantId: string }) => i.tenantId === broken.id);
    expect(failed).toMatchObject({ state: 'failed', error: { version: 2001, sqlstate: '42703' } });
    expect(halted.items.find((i: { tenantId: string }) => i.tenantId === good.id)).toMatchObject({ state: 'succeeded' });

    const fix = new pg.Client({ connectionString: broken.url });
    await fix.connect();
    await fix.query('DROP TABLE organizations');
    await fix.end();
    expect((await post(`/api/fleet/runs/${id}/retry?failedOnly=true`)).status).toBe(200);
    const retried = await waitForRun(
      base,
      SECRET,
      id,
      (r) => SETTLED.has(r.state) && r.items.every((i: { state: string }) => i.state !== 'failed' && i.state !== 'queued'),
    );
    expect(retried).toMatchObject({ state: 'succeeded', counts: { succeeded: 2 } });
    expect(await appliedVersions(broken)).toEqual(TENANT_VERSIONS);

    // Cancel: a second run, held live by the lock, ends cancelled.
    const holder2 = new pg.Client({ connectionString: good.url });
    await holder2.connect();
    await holder2.query('SELECT pg_advisory_lock($1::bigint)', [migrationLockKey()]);
    try {
      const second = (await call(`${base}/api/fleet/runs`, { method: 'POST', json: { mode: 'apply' }, secret: SECRET })).body.id;
      expect(await post(`/api/fleet/runs/${second}/cancel`)).toMatchObject({ status: 200, body: { id: second, state: 'cancelled' } });
    } finally {
      await holder2.end();
    }
  });

  it('a fleet that cannot open (an invalid FLEET_ setting) answers 503 FLEET_UNAVAILABLE and is logged; the rest of the Control Plane serves', async () => {
    control = await createPostgresDatabase();
    const service = startService('control', { CONTROL_PLANE_DATABASE_URL: control.url, INTERNAL_SERVICE_SECRET: SECRET, FLEET_MAX_PER_HOST: 'four' });
    const base = await service.ready();
    for (const route of ROUTES) {
      const answer = await call(`${base}${route.path}`, { method: route.method, json: route.json, secret: SECRET });
      expect(answer.status, `${route.method} ${route.path}`).toBe(503);
      expect(answer.body).toEqual({
        code: 'FLEET_UNAVAILABLE',
        error: 'the fleet did not open on this replica: FLEET_MAX_PER_HOST must be a whole number of at least 1, got "four"',
      });
    }
    expect(service.lines().find((l) => /^fleet did not open/.test(String(l.msg)))).toMatchObject({
      level: 50,
      error: expect.stringMatching(/FLEET_MAX_PER_HOST/),
    });
    expect((await call(`${base}/api/health`)).status).toBe(200);
    expect((await call(`${base}/api/admin/leads`, { secret: SECRET })).status).toBe(200);
  });

  it('SIGTERM closes the fleet before the database: the replica exits 0 and hands its running tenant back, and another replica finishes it at once (not after expiry)', async () => {
    control = await createPostgresDatabase();
    tenants = await createTenantDatabases([{ name: 'Acme' }]);
    const [tenant] = tenants as [FleetTenant];
    const first = startService('control', { CONTROL_PLANE_DATABASE_URL: control.url, INTERNAL_SERVICE_SECRET: SECRET });
    const base = await first.ready();
    await registerTenants(control, tenants);
    // The engine's lock on the tenant keeps its migration running in the only replica until SIGTERM.
    const holder = new pg.Client({ connectionString: tenant.url });
    await holder.connect();
    await holder.query('SELECT pg_advisory_lock($1::bigint)', [migrationLockKey()]);
    let id: string;
    try {
      id = (await call(`${base}/api/fleet/runs`, { method: 'POST', json: { mode: 'apply' }, secret: SECRET })).body.id;
      await waitForRun(base, SECRET, id, (r) => r.items[0]?.state === 'running');
      first.child.kill('SIGTERM');
      expect(await first.exited).toBe(0);
      expect(first.lines().some((l) => /fleet did not close/.test(String(l.msg)))).toBe(false);
    } finally {
      await holder.end();
    }
    // A second replica takes it over at once; had the first died instead, that would take the expiry (11 minutes by default).
    const second = await startService('control', { CONTROL_PLANE_DATABASE_URL: control.url, INTERNAL_SERVICE_SECRET: SECRET }).ready();
    const done = await waitForRun(second, SECRET, id, (r) => SETTLED.has(r.state), 45_000);
    expect(done).toMatchObject({ state: 'succeeded', counts: { succeeded: 1 } });
    expect(await appliedVersions(tenant)).toEqual(TENANT_VERSIONS);
  });
});
