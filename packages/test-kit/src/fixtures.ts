import { test } from 'vitest';
import { createPostgresDatabase } from './postgres.js';
import { createSqliteDatabase } from './sqlite.js';
import type { TestDatabase } from './test-database.js';

/**
 * vitest fixtures: `pg` (an empty PostgreSQL database), `controlDb` and `tenantDb` (PostgreSQL databases
 * cloned from the registry's fully migrated template) and `sqlite` (a new SQLite file), each made only
 * when a test names it and dropped after it.
 */
export const dbTest = test.extend<{ pg: TestDatabase; controlDb: TestDatabase; tenantDb: TestDatabase; sqlite: TestDatabase }>({
  // biome-ignore lint/correctness/noEmptyPattern: vitest reads the fixtures a fixture uses from this pattern
  pg: async ({}, use) => {
    const db = await createPostgresDatabase();
    await use(db);
    await db.drop();
  },
  // biome-ignore lint/correctness/noEmptyPattern: as above
  controlDb: async ({}, use) => {
    const db = await createPostgresDatabase({ template: 'control' });
    await use(db);
    await db.drop();
  },
  // biome-ignore lint/correctness/noEmptyPattern: as above
  tenantDb: async ({}, use) => {
    const db = await createPostgresDatabase({ template: 'tenant' });
    await use(db);
    await db.drop();
  },
  // biome-ignore lint/correctness/noEmptyPattern: as above
  sqlite: async ({}, use) => {
    const db = await createSqliteDatabase();
    await use(db);
    await db.drop();
  },
});
