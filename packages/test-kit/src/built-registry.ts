import { readdirSync, readFileSync } from 'node:fs';
import {
  CHECKSUM_ALGORITHM,
  decodeMigrationFile,
  defineRegistryFromFiles,
  migrationsFromFiles,
  SQL_VARIANTS,
  statusFromHistory,
  type Migration,
  type MigrationScript,
  type Registry,
} from '@atlasai/migrator-core';
import { expect } from 'vitest';

/**
 * A built registry carries what its sql/ folder (`dir`) gives: the same checksums and transaction modes, plus
 * what the build computed ahead (PostgreSQL's split, each dialect's statements checksum), and a history
 * recorded from the build reads as unchanged when the same files are read at run time. In-process only
 * (no database), so the fast tier runs it.
 */
export function assertBuiltRegistryMatchesFolder(registry: Registry, dir: string): void {
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
}
