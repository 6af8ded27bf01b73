import type { Dialect, History } from './dialect.js';
import { CHECKSUM_ALGORITHM, type SqlVariant } from './migration.js';
import type { Registry } from './registry.js';
import { toPlaneError, type PlaneError } from './report.js';
import { DEFAULT_LOCK_TIMEOUT_MS } from './runner.js';

/**
 * applied; pending (not yet run); changed (applied, but its SQL has changed since); unverified (applied,
 * with a checksum of an algorithm this release does not know, or none named); unknown (recorded, not in
 * this release).
 */
export type MigrationState = 'applied' | 'pending' | 'changed' | 'unverified' | 'unknown';

export interface MigrationStatusEntry {
  readonly version: number;
  readonly name: string;
  readonly state: MigrationState;
  readonly appliedAt: string | null;
  /** Why an applied migration cannot be checked against its file (for `unverified`, and rows an older runner wrote). */
  readonly note?: string;
}

export interface PlaneStatus {
  readonly plane: string;
  readonly target: string;
  readonly ok: boolean;
  readonly entries: readonly MigrationStatusEntry[];
  /** The same shape as a run's error. */
  readonly error: PlaneError | null;
}

/** Reads one plane's `schema_migrations` on a read-only session and compares it with the registry. */
export async function inspectMigrations(options: { registry: Registry; dialect: Dialect }): Promise<PlaneStatus> {
  const { registry, dialect } = options;
  const base = { plane: registry.plane, target: dialect.target };
  let history: History | null;
  let variant: SqlVariant;
  try {
    const session = await dialect.connect({ applicationName: `atlas-migrate:${registry.plane}:status`, readOnly: true, lockTimeoutMs: DEFAULT_LOCK_TIMEOUT_MS });
    variant = session.sqlVariant;
    try {
      history = await session.readHistory();
    } finally {
      await session.close();
    }
  } catch (error) {
    return { ...base, ok: false, entries: [], error: toPlaneError(error) };
  }
  const rows = new Map((history?.rows ?? []).map((row) => [row.version, row]));
  const entries: MigrationStatusEntry[] = registry.migrations.map((migration) => {
    const row = rows.get(migration.version);
    if (!row) return { version: migration.version, name: migration.name, state: 'pending', appliedAt: null };
    rows.delete(migration.version);
    const base = { version: migration.version, name: migration.name, appliedAt: row.appliedAt };
    if (row.checksum === null) return { ...base, state: 'applied', note: 'no checksum recorded' };
    if (row.checksumAlgorithm !== CHECKSUM_ALGORITHM) {
      return { ...base, state: 'unverified', note: row.checksumAlgorithm === null ? 'checksum algorithm missing' : `unknown checksum algorithm ${row.checksumAlgorithm}` };
    }
    return { ...base, state: row.checksum !== migration.scripts[variant].checksum ? 'changed' : 'applied' };
  });
  for (const row of rows.values()) {
    if (row.version >= registry.range.min && row.version <= registry.range.max) {
      entries.push({ version: row.version, name: row.name, state: 'unknown', appliedAt: row.appliedAt });
    }
  }
  entries.sort((a, b) => a.version - b.version);
  return { ...base, ok: true, entries, error: null };
}
