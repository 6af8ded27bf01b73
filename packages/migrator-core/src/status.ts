import type { Dialect, History } from './dialect.js';
import { messageOf } from './errors.js';
import { CHECKSUM_ALGORITHM, type SqlVariant } from './migration.js';
import type { Registry } from './registry.js';

/** applied; pending (not yet run); changed (applied, but its SQL has changed since); unknown (recorded, not in this release). */
export type MigrationState = 'applied' | 'pending' | 'changed' | 'unknown';

export interface MigrationStatusEntry {
  readonly version: number;
  readonly name: string;
  readonly state: MigrationState;
  readonly appliedAt: string | null;
}

export interface PlaneStatus {
  readonly plane: string;
  readonly target: string;
  readonly ok: boolean;
  readonly entries: readonly MigrationStatusEntry[];
  readonly error: string | null;
}

/** Reads one plane's `schema_migrations` on a read-only session and compares it with the registry. */
export async function inspectMigrations(options: { registry: Registry; dialect: Dialect }): Promise<PlaneStatus> {
  const { registry, dialect } = options;
  const base = { plane: registry.plane, target: dialect.target };
  let history: History | null;
  let variant: SqlVariant;
  try {
    const session = await dialect.connect({ applicationName: `atlas-migrate:${registry.plane}:status`, readOnly: true });
    variant = session.sqlVariant;
    try {
      history = await session.readHistory();
    } finally {
      await session.close();
    }
  } catch (error) {
    return { ...base, ok: false, entries: [], error: messageOf(error) };
  }
  const rows = new Map((history?.rows ?? []).map((row) => [row.version, row]));
  const entries: MigrationStatusEntry[] = registry.migrations.map((migration) => {
    const row = rows.get(migration.version);
    if (!row) return { version: migration.version, name: migration.name, state: 'pending', appliedAt: null };
    rows.delete(migration.version);
    const changed = row.checksum !== null && row.checksumAlgorithm === CHECKSUM_ALGORITHM && row.checksum !== migration.scripts[variant].checksum;
    return { version: migration.version, name: migration.name, state: changed ? 'changed' : 'applied', appliedAt: row.appliedAt };
  });
  for (const row of rows.values()) {
    if (row.version >= registry.range.min && row.version <= registry.range.max) {
      entries.push({ version: row.version, name: row.name, state: 'unknown', appliedAt: row.appliedAt });
    }
  }
  entries.sort((a, b) => a.version - b.version);
  return { ...base, ok: true, entries, error: null };
}
