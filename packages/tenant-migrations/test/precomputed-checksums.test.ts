import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { registry } from '@atlasai/tenant-migrations';
import {
  CHECKSUM_ALGORITHM,
  decodeMigrationFile,
  defineRegistryFromFiles,
  migrationsFromFiles,
  SQL_VARIANTS,
  statusFromHistory,
  type Migration,
  type MigrationScript,
} from '@atlasai/migrator-core';
import { describe, expect, it } from 'vitest';

describe('the tenant registry as built', () => {
  it('carries the checksums and transaction modes its sql/ files give, computed at build time', () => {
    const dir = fileURLToPath(new URL('../sql', import.meta.url));
    const files = readdirSync(dir).map((name) => decodeMigrationFile(name, readFileSync(`${dir}/${name}`)));
    // The build also stored PostgreSQL's split (the engine's own tests check it splits as a run would) and
    // each dialect's statements checksum (checked below against what the engine computes from the files).
    const withoutPrecomputed = ({ precomputedSplit: _split, precomputedStatementsChecksums: _statements, ...script }: MigrationScript) => script;
    const scripts = (m: Migration) => ({ postgres: withoutPrecomputed(m.scripts.postgres), sqlite: withoutPrecomputed(m.scripts.sqlite) });
    expect(registry.migrations.map(scripts)).toEqual(migrationsFromFiles(files).map(scripts));
    expect(registry.migrations.filter((m) => m.scripts.postgres.precomputedSplit === undefined)).toEqual([]);
    expect(registry.migrations.filter((m) => SQL_VARIANTS.some((v) => m.scripts[v].precomputedStatementsChecksums?.[v] === undefined))).toEqual([]);

    // A history the built registry recorded (its statements checksums) under checksums of another text: the
    // same files read at run time see each migration's statements unchanged, never a changed migration.
    const fromFiles = defineRegistryFromFiles({ plane: registry.plane, range: registry.range, files });
    for (const variant of SQL_VARIANTS) {
      const rows = registry.migrations.map((m) => ({
        version: m.version,
        name: m.name,
        appliedAt: null,
        checksum: 'not-this-text',
        checksumAlgorithm: CHECKSUM_ALGORITHM,
        statementsChecksum: m.scripts[variant].precomputedStatementsChecksums?.[variant] ?? null,
        outcome: 'applied' as const,
        executionMs: null,
      }));
      const status = statusFromHistory(fromFiles, 'built', { rows, missingColumns: [], narrowVersion: false }, variant);
      expect(status.entries.filter((e) => e.state !== 'applied').map((e) => `${variant} ${e.version} ${e.state}`)).toEqual([]);
    }
  });
});
