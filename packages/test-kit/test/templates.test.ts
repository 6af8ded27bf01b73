import { registry as tenant } from '@atlasai/tenant-migrations';
import { describe, expect } from 'vitest';
import { createPostgresDatabase, dbTest, migrateFiles } from '@atlasai/test-kit';

const versions = async (rows: Promise<{ version: string | number }[]>) => (await rows).map((r) => Number(r.version));

describe('a database cloned from a migrated template', () => {
  dbTest('holds what a fresh apply of the registry gives, history included', async ({ pg, tenantDb }) => {
    expect((await migrateFiles(pg.url, tenant)).ok).toBe(true);
    expect(await tenantDb.catalog()).toBe(await pg.catalog());
    expect(await versions(tenantDb.query('SELECT version FROM schema_migrations ORDER BY version'))).toEqual(tenant.migrations.map((m) => m.version));
    // Nothing is left to apply: the clone is the registry's latest state.
    const again = await migrateFiles(tenantDb.url, tenant);
    expect(again.applied).toEqual([]);
    expect(again.ok).toBe(true);
  });

  dbTest('is a database of its own: a change to one clone is not in the next', async ({ tenantDb }) => {
    await tenantDb.query('DELETE FROM schema_migrations');
    const next = await createPostgresDatabase({ template: 'tenant' });
    try {
      expect(await versions(next.query('SELECT version FROM schema_migrations ORDER BY version'))).toEqual(tenant.migrations.map((m) => m.version));
    } finally {
      await next.drop();
    }
  });
});
