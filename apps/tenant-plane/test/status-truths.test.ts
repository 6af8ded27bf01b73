import { baselineMigrations, createDialect, runMigrations, silentLogger } from '@atlasai/migrator-core';
import { registry } from '@atlasai/tenant-migrations';
import { afterEach, describe, expect, it } from 'vitest';
import { createPostgresDatabase, DIALECTS, type TestDatabase } from '@atlasai/test-kit';
import { http, startService, stopAllServices } from '@atlasai/test-kit/service';

/** GET /api/db/status and health on the running service: what they assert is true of the database. */
const TENANT = Array.from({ length: 18 }, (_, i) => 2001 + i);
const SECRET = 'status-truths-secret-9c2a';

let db: TestDatabase | undefined;
afterEach(async () => {
  await stopAllServices();
  await db?.drop();
  db = undefined;
});

describe('GET /api/db/status when the database cannot be read', () => {
  it('answers 503 with ok and upToDate false, never an up-to-date empty list', async () => {
    db = await createPostgresDatabase();
    const service = startService('tenant', { TENANT_PLANE_DATABASE_URL: db.url, INTERNAL_SERVICE_SECRET: SECRET });
    const url = await service.ready();
    expect((await http(`${url}/api/db/status`, { secret: SECRET })).body).toMatchObject({ ok: true, upToDate: true });
    await db.drop();
    db = undefined;
    const status = await http(`${url}/api/db/status`, { secret: SECRET });
    expect(status.status).toBe(503);
    expect(status.body).toMatchObject({
      schemaVersion: 2,
      ok: false,
      upToDate: false,
      planes: [{ plane: 'tenant', ok: false, entries: [], error: { code: expect.any(String) } }],
    });
  });
});

describe.each(DIALECTS)('baselined migrations on the running service on $name', ({ create }) => {
  it('status shows baselined and counts them as applied; health has nothing pending', async () => {
    db = await create();
    // A schema restored without its history, then recorded by baseline.
    const report = await runMigrations({ registry, dialect: await createDialect(db.url, silentLogger), mode: 'apply', logger: silentLogger });
    expect(report.ok).toBe(true);
    await db.query('DROP TABLE schema_migrations');
    const baselined = await baselineMigrations({
      registry,
      dialect: await createDialect(db.url, silentLogger),
      logger: silentLogger,
      to: 2018,
      lockTimeoutMs: 10_000,
    });
    expect(baselined.ok).toBe(true);

    const service = startService('tenant', { TENANT_PLANE_DATABASE_URL: db.url, INTERNAL_SERVICE_SECRET: SECRET });
    const url = await service.ready();
    const status = await http(`${url}/api/db/status`, { secret: SECRET });
    expect(status.status).toBe(200);
    expect(status.body).toMatchObject({ schemaVersion: 2, ok: true, upToDate: true });
    expect(status.body.planes[0].entries.map((e: { version: number; state: string }) => `${e.version} ${e.state}`)).toEqual(
      TENANT.map((v) => `${v} baselined`),
    );
    expect(await http(`${url}/api/health`)).toEqual({
      status: 200,
      body: { status: 'ok', plane: 'tenant', schema: { latestApplied: 2018, pending: [], unknownApplied: [] } },
    });
  });
});
