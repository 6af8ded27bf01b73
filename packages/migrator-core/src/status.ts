import type { Dialect, History } from './dialect.js';
import { CHECKSUM_ALGORITHM, type SqlVariant } from './migration.js';
import type { Registry } from './registry.js';
import { toPlaneError, type PlaneError } from './report.js';
import type { DriftFinding } from './schema/compare-schema.js';
import { verifySchema } from './schema/verify-schema.js';
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
  /**
   * With `{ drift: true }`: the live schema against the registry's snapshot, for the applied versions
   * (missing and different objects are drift; extra ones are listed, not drift). Null when not checked
   * or the registry has no snapshot for this database.
   */
  readonly drift?: PlaneDrift | null;
}

/** Schema drift as status reports it. */
export interface PlaneDrift {
  readonly ok: boolean;
  readonly findings: readonly DriftFinding[];
  readonly error: { readonly code: string; readonly message: string } | null;
}

/** The live schema against the snapshot; null when the registry has none for this database. */
async function driftOf(registry: Registry, dialect: Dialect): Promise<PlaneDrift | null> {
  const verification = await verifySchema({ registry, dialect });
  if (verification.error?.code === 'CONFIG_INVALID' && !registry.snapshots) return null;
  return { ok: verification.ok, findings: verification.findings, error: verification.error };
}

/**
 * Reads one plane's `schema_migrations` on a read-only session and compares it with the registry; with
 * `drift`, also the live schema with the registry's snapshot (more catalog reads: not for health checks).
 */
export async function inspectMigrations(options: { registry: Registry; dialect: Dialect; drift?: boolean }): Promise<PlaneStatus> {
  const { registry, dialect } = options;
  const base = { plane: registry.plane, target: dialect.target };
  let history: History | null;
  let variant: SqlVariant;
  try {
    const session = await dialect.connect({ applicationName: `atlas-migrate:${registry.plane}:status`, readOnly: true, lockTimeoutMs: DEFAULT_LOCK_TIMEOUT_MS, historyFirst: true });
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
  if (!options.drift) return { ...base, ok: true, entries, error: null };
  return { ...base, ok: true, entries, error: null, drift: await driftOf(registry, dialect) };
}
