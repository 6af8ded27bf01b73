import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { createPostgresDatabase, eventually, type TestDatabase } from '@atlasai/test-kit';
import { http, startService, stopAllServices } from '@atlasai/test-kit/service';

/**
 * Health is polled by every load balancer: it reads the history through the service's own pool and
 * opens no session per poll. `pg_stat_database.sessions` counts every session opened on the database.
 */
let db: TestDatabase | undefined;
afterEach(async () => {
  await stopAllServices();
  await db?.drop();
  db = undefined;
});

const sessions = async (database: TestDatabase) =>
  Number((await database.query<{ sessions: string }>('SELECT sessions FROM pg_stat_database WHERE datname = current_database()'))[0]!.sessions);

describe('tenant service health on PostgreSQL', () => {
  it('50 polls spread over 10 s and a burst of 20 concurrent ones open no new session', async () => {
    db = await createPostgresDatabase();
    const service = startService('tenant', { TENANT_PLANE_DATABASE_URL: db.url });
    const url = await service.ready();
    // Warm: the pool holds its connection and a first reading exists.
    expect((await http(`${url}/api/health`)).status).toBe(200);
    const before = await sessions(db);

    const burst = await Promise.all(Array.from({ length: 20 }, () => http(`${url}/api/health`)));
    expect(burst.every((r) => r.status === 200 && r.body.status === 'ok')).toBe(true);
    for (let i = 0; i < 50; i++) {
      const response = await http(`${url}/api/health`);
      expect(response.body).toEqual({ status: 'ok', plane: 'tenant', schema: { latestApplied: 2018, pending: [], unknownApplied: [] } });
      await new Promise((resolve) => setTimeout(resolve, 200));
    }

    // One session of our own, so that the counter is known to have caught up when it shows it.
    const control = new pg.Client({ connectionString: db.url });
    await control.connect();
    await control.end();
    await eventually(async () => (await sessions(db!)) > before, 30_000);
    expect(await sessions(db)).toBe(before + 1);
  });

  it('a migration applied by another process shows in health within a second, read through the same pool', async () => {
    db = await createPostgresDatabase();
    const service = startService('tenant', { TENANT_PLANE_DATABASE_URL: db.url, MIGRATE_ON_STARTUP: 'false' });
    const url = await service.ready();
    const behind = await http(`${url}/api/health`);
    expect(behind).toMatchObject({ status: 503, body: { status: 'schema_behind', schema: { latestApplied: null } } });
    expect(behind.body.schema.pending).toHaveLength(18);
    await db.query(`CREATE TABLE schema_migrations (version bigint PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
    await db.query(`INSERT INTO schema_migrations (version, name) VALUES (2099, 'newer release')`);
    await eventually(async () => (await http(`${url}/api/health`)).body.schema?.unknownApplied?.[0] === 2099, 10_000);
  });
});
