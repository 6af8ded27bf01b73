import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { describe, expect, inject, it } from 'vitest';
import { createDialect, generateSnapshot, loadRegistryFromDir, renderSnapshot, silentLogger } from '@atlasai/migrator-core';
import { createDatabase, withDatabase } from '@atlasai/test-kit';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

describe('the fleet registry', () => {
  it('its committed snapshot (packages/fleet/schema/postgres.snapshot) is what its migrations make in the fleet schema', async () => {
    const name = `atlas_fleet_snap_${randomBytes(4).toString('hex')}`;
    const admin = new pg.Client({ connectionString: inject('pgAdminUrl') });
    await admin.connect();
    await createDatabase(name);
    try {
      const registry = await loadRegistryFromDir(here('../sql'), { plane: 'fleet', range: { min: 3001, max: 3099 } });
      const dialect = await createDialect(withDatabase(inject('pgAdminUrl'), name), silentLogger, { schema: 'fleet' });
      const snapshot = await generateSnapshot({ registry, dialect, logger: silentLogger });
      // Regenerate with `pnpm schema:snapshot` after adding a migration to packages/fleet/sql.
      expect(renderSnapshot(snapshot)).toBe(readFileSync(here('../schema/postgres.snapshot'), 'utf8'));
    } finally {
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    }
  });
});
