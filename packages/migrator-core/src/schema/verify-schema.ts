import type { Dialect, Session } from '../dialect.js';
import { isMigratorError, messageOf, type MigratorErrorCode } from '../errors.js';
import type { SqlVariant } from '../migration.js';
import type { Registry } from '../registry.js';
import { DEFAULT_LOCK_TIMEOUT_MS } from '../runner.js';
import { compareSchema, isDrift, type DriftFinding } from './compare-schema.js';
import { stateAfter, type SchemaSnapshot } from './snapshot-format.js';
import { snapshotStaleness, staleSnapshotMessage, type StaleSnapshot } from './snapshot-source.js';

/** How a snapshot is regenerated where no caller says better: the engine's own function. */
export const REGENERATE_SNAPSHOT = 'generateSnapshot() over the registry, on an empty database of each dialect';

/** One plane's database compared with its registry's snapshot. */
export interface SchemaVerification {
  readonly plane: string;
  /** The redacted database target. */
  readonly target: string;
  readonly dialect: SqlVariant | null;
  /** No missing or different object, and the comparison could be made (extras are allowed). */
  readonly ok: boolean;
  /** The registry's versions recorded as applied: only their objects are expected. */
  readonly appliedVersions: readonly number[];
  /** How many objects the applied versions define. */
  readonly expectedObjects: number;
  readonly findings: readonly DriftFinding[];
  /** Set when the snapshot was made from other migrations than the registry's: nothing was compared (error says so). */
  readonly staleSnapshot: StaleSnapshot | null;
  /** Why the comparison could not be made (no snapshot for this dialect, no connection, …). */
  readonly error: { readonly code: MigratorErrorCode; readonly message: string } | null;
}

/**
 * Compares a live database with the registry's snapshot, limited to the versions its history records
 * as applied. Read-only: a dry-run session (PostgreSQL `default_transaction_read_only`, SQLite opened
 * read-only), no lock, nothing written. Never throws for a database failure: the result carries it.
 * `snapshot` overrides the registry's own (the CLI's `--snapshot`). A snapshot made from other migrations
 * than the registry's is not compared (its objects would read as extra or missing): CONFIG_INVALID,
 * ending in `regenerate`, the command that makes it anew.
 */
export async function verifySchema(options: {
  registry: Registry;
  dialect: Dialect;
  snapshot?: SchemaSnapshot;
  regenerate?: string;
}): Promise<SchemaVerification> {
  const { registry, dialect } = options;
  const base = { plane: registry.plane, target: dialect.target };
  const failed = (
    code: MigratorErrorCode,
    message: string,
    variant: SqlVariant | null = null,
    staleSnapshot: StaleSnapshot | null = null,
  ): SchemaVerification => ({
    ...base,
    dialect: variant,
    ok: false,
    appliedVersions: [],
    expectedObjects: 0,
    findings: [],
    staleSnapshot,
    error: { code, message },
  });
  let session: Session;
  try {
    session = await dialect.connect({
      applicationName: `atlas-migrate:${registry.plane}:verify`,
      readOnly: true,
      lockTimeoutMs: DEFAULT_LOCK_TIMEOUT_MS,
      historyFirst: true,
    });
  } catch (error) {
    return failed(isMigratorError(error) ? error.code : 'CONNECTION_FAILED', messageOf(error));
  }
  const variant = session.sqlVariant;
  try {
    const snapshot = options.snapshot ?? registry.snapshots?.[variant];
    if (!snapshot)
      return failed(
        'CONFIG_INVALID',
        `The ${registry.plane} registry has no ${variant} schema snapshot (schema/${variant}.snapshot beside its sql/ folder, as generateSnapshot writes it)`,
        variant,
      );
    const stale = snapshotStaleness(registry, snapshot, variant);
    if (stale) return failed('CONFIG_INVALID', staleSnapshotMessage(registry.plane, variant, stale, options.regenerate ?? REGENERATE_SNAPSHOT), variant, stale);
    const history = await session.readHistory();
    const known = new Set(registry.migrations.map((m) => m.version));
    const appliedVersions = (history?.rows ?? [])
      .map((r) => r.version)
      .filter((v) => known.has(v))
      .sort((a, b) => a - b);
    const applied = new Set(appliedVersions);
    const findings = compareSchema(snapshot, await session.readSchema(), { applied });
    return {
      ...base,
      dialect: variant,
      ok: !findings.some(isDrift),
      appliedVersions,
      expectedObjects: snapshot.objects.filter((o) => stateAfter(o, applied) !== null).length,
      findings,
      staleSnapshot: null,
      error: null,
    };
  } catch (error) {
    return failed(isMigratorError(error) ? error.code : 'DATABASE_ERROR', messageOf(error), variant);
  } finally {
    await session.close().catch(() => undefined);
  }
}
