import { createDialect, runMigrations, silentLogger } from '@atlasai/migrator-core';
import { tenantPlane } from '@atlasai/planes';
import { afterEach, describe, expect, it } from 'vitest';
import { DIALECTS, type TestDatabase } from '@atlasai/test-kit';
import { http, rawHttp, startService, stopAllServices } from '@atlasai/test-kit/service';

/**
 * What a request may carry, through the running services: a parameter or body a route does not read is a
 * 400 and runs nothing (Fastify would otherwise drop it and run the route as if it were not there).
 */
const SECRET = 'request-shape-secret-41d8';
const TENANT_ID = '3b2a1c0d-9e8f-4a7b-b6c5-d4e3f2a1b0c9';
const RESTORED_AT = 2010;
const INVALID = { error: 'invalid request' };

let db: TestDatabase | undefined;
afterEach(async () => {
  await stopAllServices();
  await db?.drop();
  db = undefined;
});

const history = async (database: TestDatabase) =>
  (await database.query<{ version: number; applied_at: unknown }>('SELECT version, applied_at FROM schema_migrations ORDER BY version')).map(
    (r) => `${r.version} ${String(r.applied_at)}`,
  );

describe.each(DIALECTS)('tenant service on $name', ({ create }) => {
  it('every way of asking for a dry run but the documented one is a 400 that applies nothing; ?dryRun=true plans, a plain call applies', async () => {
    db = await create();
    const dialect = await createDialect(db.url, silentLogger);
    expect((await runMigrations({ registry: tenantPlane.registry, dialect, mode: 'apply', logger: silentLogger, to: RESTORED_AT })).ok).toBe(true);
    const before = await history(db);
    expect(before).toHaveLength(RESTORED_AT - 2000);
    const service = startService('tenant', { TENANT_PLANE_DATABASE_URL: db.url, INTERNAL_SERVICE_SECRET: SECRET, MIGRATE_ON_STARTUP: 'false' });
    const url = await service.ready();
    const migrate = `${url}/api/db/migrate`;

    for (const query of ['dryrun=true', 'dry-run=true', 'dry_run=true', 'mode=dry-run', 'DryRun=true', 'dryRun=true&mode=apply', 'dryRun=yes', 'dryRun=']) {
      const answer = await http(`${migrate}?${query}`, { method: 'POST', secret: SECRET });
      expect([query, answer.status, answer.body]).toEqual([query, 400, expect.objectContaining(INVALID)]);
    }
    const bodies: [string, string][] = [
      ['application/json', '{"dryRun": true}'],
      ['application/json', '{}'],
      ['text/plain', 'dryRun=true'],
      ['application/x-www-form-urlencoded', 'dryRun=true'],
    ];
    for (const [type, body] of bodies) {
      const answer = await rawHttp(`${migrate}?dryRun=true`, { method: 'POST', secret: SECRET, headers: { 'content-type': type }, body });
      expect([type, body, answer.status, answer.body]).toEqual([
        type,
        body,
        400,
        { ...INVALID, message: 'POST /api/db/migrate takes no request body; its parameters go in the query string' },
      ]);
    }
    // A stranger learns nothing about the parameters: the secret is checked first.
    expect((await http(`${migrate}?dryrun=true`, { method: 'POST', secret: 'wrong' })).status).toBe(401);
    expect(await history(db)).toEqual(before);

    const dry = await http(`${migrate}?dryRun=true`, { method: 'POST', secret: SECRET });
    expect(dry.status).toBe(200);
    expect(dry.body.applied).toEqual([]);
    expect(dry.body.pending).toHaveLength(18 - before.length);
    expect(await history(db)).toEqual(before);

    const applied = await http(migrate, { method: 'POST', secret: SECRET });
    expect(applied.status).toBe(200);
    expect(await history(db)).toHaveLength(18);
  });
});

describe('every route of both services', () => {
  it('refuses a query parameter it does not know, and a body it does not read, with 400 (health and status included)', async () => {
    db = await DIALECTS[1].create();
    const plain = { INTERNAL_SERVICE_SECRET: SECRET, MIGRATE_ON_STARTUP: 'false' };
    const tenant = startService('tenant', { ...plain, TENANT_PLANE_DATABASE_URL: db.url });
    const control = startService('control', { ...plain, CONTROL_PLANE_DATABASE_URL: `${db.url.replace(/\.db$/, '')}-control.db` });
    const [tenantUrl, controlUrl] = await Promise.all([tenant.ready(), control.ready()]);
    const routes = [
      `${tenantUrl}/api/health`,
      `${tenantUrl}/api/db/status`,
      `${tenantUrl}/api/incidents?tenantId=${TENANT_ID}`,
      `${controlUrl}/api/health`,
      `${controlUrl}/api/db/status`,
      `${controlUrl}/api/billing/invoices?tenantId=${TENANT_ID}`,
      `${controlUrl}/api/admin/leads`,
    ];
    for (const route of routes) {
      const unknown = `${route}${route.includes('?') ? '&' : '?'}verbose=1`;
      const answer = await http(unknown, { secret: SECRET });
      expect([unknown, answer.status, answer.body]).toEqual([unknown, 400, { ...INVALID, message: 'querystring must NOT have additional properties' }]);
      const withBody = await rawHttp(route, { secret: SECRET, headers: { 'content-type': 'application/json' }, body: '{"limit": 1}' });
      expect([route, withBody.status, withBody.body]).toEqual([route, 400, expect.objectContaining(INVALID)]);
    }
    // Unmigrated, so health is 503 and the feature routes 503 schema behind: past validation, nothing more.
    expect((await http(`${tenantUrl}/api/health`)).status).toBe(503);
    expect((await http(`${controlUrl}/api/admin/leads?limit=5`, { secret: SECRET })).body).toEqual({ error: 'schema behind', requires: 1007 });
    expect(await db.tableExists('schema_migrations')).toBe(false);
  });
});
