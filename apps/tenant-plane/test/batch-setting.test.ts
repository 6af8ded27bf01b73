import { afterEach, describe, expect, it } from 'vitest';
import { createPostgresDatabase, type TestDatabase } from '@atlasai/test-kit';
import { startService, stopAllServices } from '@atlasai/test-kit/service';

/** MIGRATION_BATCH=false: the service's startup migration gives every migration its own transaction. */
let db: TestDatabase | undefined;
afterEach(async () => {
  await stopAllServices();
  await db?.drop();
  db = undefined;
});

async function transactions(database: TestDatabase): Promise<{ rows: number; transactions: number }> {
  const [row] = await database.query<{ rows: string; transactions: string }>(
    'SELECT count(*) AS rows, count(DISTINCT xmin::text) AS transactions FROM schema_migrations',
  );
  return { rows: Number(row!.rows), transactions: Number(row!.transactions) };
}

describe('MIGRATION_BATCH on the tenant service (PostgreSQL)', () => {
  it('false: 18 migrations, 18 transactions', async () => {
    db = await createPostgresDatabase();
    await startService('tenant', { TENANT_PLANE_DATABASE_URL: db.url, MIGRATION_BATCH: 'false' }).ready();
    expect(await transactions(db)).toEqual({ rows: 18, transactions: 18 });
  });

  it('unset: batches, so fewer transactions than migrations', async () => {
    db = await createPostgresDatabase();
    await startService('tenant', { TENANT_PLANE_DATABASE_URL: db.url }).ready();
    const counted = await transactions(db);
    expect(counted.rows).toBe(18);
    expect(counted.transactions).toBeLessThan(18);
  });
});
