import type { History } from './dialect.js';
import { MigratorError } from './errors.js';
import { CHECKSUM_ALGORITHM, type Migration, type SqlVariant } from './migration.js';
import type { Registry } from './registry.js';
import type { UnverifiedMigration } from './report.js';

/** What a run would do, from `schema_migrations` and the registry alone: no database work here. */

/** Applied rows the checksum check cannot vouch for: no checksum, or one of an algorithm this release does not know. */
function unverifiedRows(history: History | null): UnverifiedMigration[] {
  return (history?.rows ?? [])
    .filter((row) => row.checksumAlgorithm !== CHECKSUM_ALGORITHM)
    .map((row) => ({
      version: row.version,
      reason: row.checksum === null ? 'no checksum recorded' : row.checksumAlgorithm === null ? 'checksum algorithm missing' : `unknown checksum algorithm ${row.checksumAlgorithm}`,
    }));
}

/** What a run would do, computed from `schema_migrations` and the registry alone. */
export interface Plan {
  readonly alreadyApplied: number[];
  readonly pending: Migration[];
  readonly beyondTarget: Migration[];
  readonly unknownApplied: number[];
  readonly outOfOrder: number[];
  readonly unverified: UnverifiedMigration[];
  /** Set when applied SQL has changed since it ran: the run must not go on. */
  readonly mismatch: MigratorError | null;
}

/** Compares recorded history with the registry, including the checksums of what was applied. */
export function planRun(registry: Registry, history: History | null, variant: SqlVariant, to: number | undefined): Plan {
  const rows = new Map((history?.rows ?? []).map((row) => [row.version, row]));
  const known = new Set(registry.migrations.map((m) => m.version));
  const changed: Migration[] = [];
  const alreadyApplied: number[] = [];
  const pending: Migration[] = [];
  const beyondTarget: Migration[] = [];
  for (const migration of registry.migrations) {
    const row = rows.get(migration.version);
    if (!row) {
      (to !== undefined && migration.version > to ? beyondTarget : pending).push(migration);
      continue;
    }
    alreadyApplied.push(migration.version);
    if (row.checksum && row.checksumAlgorithm === CHECKSUM_ALGORITHM && row.checksum !== migration.scripts[variant].checksum) changed.push(migration);
  }
  const first = changed[0];
  const mismatch = first
    ? new MigratorError(
        'CHECKSUM_MISMATCH',
        `Applied migration SQL has changed since it ran: ${changed
          .map((m) => `${m.version} (${m.name}): recorded ${rows.get(m.version)!.checksum}, file ${m.scripts[variant].checksum}`)
          .join('; ')}. Applied migrations are immutable: restore the file and put the change in a new migration.`,
        { plane: registry.plane, version: first.version, name: first.name, file: first.scripts[variant].file },
      )
    : null;
  const maxApplied = Math.max(0, ...alreadyApplied);
  const unknownApplied = [...rows.keys()]
    .filter((version) => !known.has(version) && version >= registry.range.min && version <= registry.range.max)
    .sort((a, b) => a - b);
  const outOfOrder = pending.filter((m) => m.version < maxApplied).map((m) => m.version);
  const unverified = unverifiedRows(history).filter((row) => known.has(row.version));
  return { alreadyApplied, pending, beyondTarget, unknownApplied, outOfOrder, unverified, mismatch };
}
