import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { registry } from '@atlasai/tenant-migrations';
import { decodeMigrationFile, migrationsFromFiles } from '@atlasai/migrator-core';
import { describe, expect, it } from 'vitest';

describe('the tenant registry as built', () => {
  it('carries the checksums and transaction modes its sql/ files give, computed at build time', () => {
    const dir = fileURLToPath(new URL('../sql', import.meta.url));
    const files = readdirSync(dir).map((name) => decodeMigrationFile(name, readFileSync(`${dir}/${name}`)));
    expect(registry.migrations.map((m) => m.scripts)).toEqual(migrationsFromFiles(files).map((m) => m.scripts));
  });
});
