import type { Dialect, History } from './dialect.js';
import { CHECKSUM_ALGORITHM, type SqlVariant } from './migration.js';
import type { Registry } from './registry.js';
import { toPlaneError, type PlaneError } from './report.js';
import type { DriftFinding } from './schema/compare-schema.js';
import { verifySchema } from './schema/verify-schema.js';
import { DEFAULT_LOCK_TIMEOUT_MS } from './runner.js';
import { statementsChecksumOf } from './dialects/statements-checksum.js';

/**
 * applied; baselined (recorded by `baseline` without running: applied as far as every count goes);
 * pending (not yet run); changed (applied, but its SQL has changed since); unverified (applied, with a
 * checksum of an algorithm this release does not know, or none named); unknown (recorded, not in this
 * release).
 */
export type MigrationState = 'applied' | 'baselined' | 'pending' | 'changed' | 'unverified' | 'unknown';

/** The states that leave nothing to do: the migration's effect is in the schema (or a newer release's is). */
const SETTLED_STATES: ReadonlySet<MigrationState> = new Set(['applied', 'baselined', 'unknown']);

/**
 * The version of the status document's shape (`status --json`, `GET /api/db/status`), raised when a field
 * changes meaning or goes away. 2: rows `baseline` recorded read `baselined` where 1 said `applied`, so
 * `applied` now means ran (a script counting `applied` rows would miscount a baselined database).
 */
export const STATUS_SCHEMA_VERSION = 2;

/** The status document: what `status --json` prints and `GET /api/db/status` answers. */
export interface StatusDocument {
  readonly schemaVersion: typeof STATUS_SCHEMA_VERSION;
  /** Every plane could be read and no applied migration changed (exit 0 of `status`). */
  readonly ok: boolean;
  /**
   * Every plane could be read, every migration is applied (or baselined, or newer than this release) and
   * the schema shows no drift: what `status --exit-code` gates on. A plane that could not be read, or no
   * plane at all, is never up to date.
   */
  readonly upToDate: boolean;
  readonly planes: readonly PlaneStatus[];
}

/** The one place `ok` and `upToDate` are computed, for the CLI, the root script and the services' route. */
export function statusDocument(planes: readonly PlaneStatus[]): StatusDocument {
  const read = planes.length > 0 && planes.every((s) => s.ok);
  return {
    schemaVersion: STATUS_SCHEMA_VERSION,
    ok: read && planes.every((s) => s.entries.every((e) => e.state !== 'changed')),
    // Drift counts against being up to date (the CI gate), not against being readable.
    upToDate: read && planes.every((s) => s.entries.every((e) => SETTLED_STATES.has(e.state)) && (s.drift?.ok ?? true)),
    planes,
  };
}

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
    const session = await dialect.connect({
      applicationName: `atlas-migrate:${registry.plane}:status`,
      readOnly: true,
      lockTimeoutMs: DEFAULT_LOCK_TIMEOUT_MS,
      historyFirst: true,
    });
    variant = session.sqlVariant;
    try {
      history = await session.readHistory();
    } finally {
      await session.close();
    }
  } catch (error) {
    return { ...base, ok: false, entries: [], error: toPlaneError(error) };
  }
  const status = statusFromHistory(registry, dialect.target, history, variant);
  if (!options.drift) return status;
  return { ...status, drift: await driftOf(registry, dialect) };
}

/**
 * One plane's status from a history already read (`null`: no table), whoever read it: a session of the
 * engine, or a service's own pool (`readPostgresHistoryWith`, `readSqliteHistoryWith`).
 */
export function statusFromHistory(registry: Registry, target: string, history: History | null, variant: SqlVariant): PlaneStatus {
  const base = { plane: registry.plane, target };
  const rows = new Map((history?.rows ?? []).map((row) => [row.version, row]));
  const entries: MigrationStatusEntry[] = registry.migrations.map((migration) => {
    const row = rows.get(migration.version);
    if (!row) return { version: migration.version, name: migration.name, state: 'pending', appliedAt: null };
    rows.delete(migration.version);
    const base = { version: migration.version, name: migration.name, appliedAt: row.appliedAt };
    if (row.checksum === null) return { ...base, state: 'applied', note: 'no checksum recorded' };
    if (row.checksumAlgorithm !== CHECKSUM_ALGORITHM) {
      return {
        ...base,
        state: 'unverified',
        note: row.checksumAlgorithm === null ? 'checksum algorithm missing' : `unknown checksum algorithm ${row.checksumAlgorithm}`,
      };
    }
    const script = migration.scripts[variant];
    if (row.checksum !== script.checksum) {
      // Recorded with its statements' checksum, an edit of comments or white space alone is not a change.
      if (row.statementsChecksum !== null && row.statementsChecksum === statementsChecksumOf(script, variant)) {
        return {
          ...base,
          state: row.outcome === 'baselined' ? 'baselined' : 'applied',
          note: 'changed only in comments or white space; the next up re-records its checksum',
        };
      }
      return { ...base, state: 'changed' };
    }
    return { ...base, state: row.outcome === 'baselined' ? 'baselined' : 'applied' };
  });
  for (const row of rows.values()) {
    if (row.version >= registry.range.min && row.version <= registry.range.max) {
      entries.push({ version: row.version, name: row.name, state: 'unknown', appliedAt: row.appliedAt });
    }
  }
  entries.sort((a, b) => a.version - b.version);
  return { ...base, ok: true, entries, error: null };
}
