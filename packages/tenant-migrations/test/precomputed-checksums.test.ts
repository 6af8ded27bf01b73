import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { registry } from '@atlasai/tenant-migrations';
import { decodeMigrationFile, migrationsFromFiles, type Migration, type MigrationScript } from '@atlasai/migrator-core';
import { describe, expect, it } from 'vitest';

describe('the tenant registry as built', () => {
  it('carries the checksums and transaction modes its sql/ files give, computed at build time', () => {
    const dir = fileURLToPath(new URL('../sql', import.meta.url));
    const files = readdirSync(dir).map((name) => decodeMigrationFile(name, readFileSync(`${dir}/${name}`)));
    // The build also stored PostgreSQL's split (the engine's own tests check it splits as a run would).
    const withoutSplit = ({ precomputedSplit: _split, ...script }: MigrationScript) => script;
    const scripts = (m: Migration) => ({ postgres: withoutSplit(m.scripts.postgres), sqlite: withoutSplit(m.scripts.sqlite) });
    expect(registry.migrations.map(scripts)).toEqual(migrationsFromFiles(files).map(scripts));
    expect(registry.migrations.filter((m) => m.scripts.postgres.precomputedSplit === undefined)).toEqual([]);
  });
});
