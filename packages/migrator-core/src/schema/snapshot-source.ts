import type { SqlVariant } from '../migration-types.js';
import type { Migration } from '../migration-types.js';
import { createSha256 } from '../sha256.js';

/** Which migrations a snapshot was made from: the last version, and a digest of every version's checksum on its dialect. */
export interface SnapshotSource {
  /** The registry's last version when the snapshot was made; null for an empty registry. */
  readonly through: number | null;
  /** SHA-256 (hex) over `<version> <checksum>` lines, one per migration, in order. */
  readonly digest: string;
}

/** A snapshot made from other migrations than the registry's: its objects cannot be compared with a database. */
export interface StaleSnapshot {
  /** The last version the snapshot was made from. */
  readonly snapshotThrough: number | null;
  /** The registry's last version now. */
  readonly registryThrough: number | null;
}

/** What a snapshot of `registry` on `variant` made now records about its source. */
/** What a snapshot's source is computed from: a registry's migrations (any `Registry`). */
type RegistryMigrations = { readonly migrations: readonly Migration[] };

export function snapshotSourceOf(registry: RegistryMigrations, variant: SqlVariant): SnapshotSource {
  const hash = createSha256();
  for (const migration of registry.migrations) hash.update(`${migration.version} ${migration.scripts[variant].checksum}\n`);
  return { through: registry.migrations.at(-1)?.version ?? null, digest: hash.digest('hex') };
}

const LINE = /^# made from: migrations through (\d+|none), checksums ([0-9a-f]{64})$/;

/** The header line that records a snapshot's source. */
export function renderSourceLine(source: SnapshotSource): string {
  return `# made from: migrations through ${source.through ?? 'none'}, checksums ${source.digest}`;
}

/** The source a header line records, or undefined for any other line (a snapshot made before sources were recorded). */
export function parseSourceLine(line: string): SnapshotSource | undefined {
  const match = LINE.exec(line);
  return match ? { through: match[1] === 'none' ? null : Number(match[1]), digest: match[2]! } : undefined;
}

/**
 * Null when the snapshot was made from the registry's migrations as they are now (or records no source,
 * as snapshots made before this check do not: those are compared as before).
 */
export function snapshotStaleness(registry: RegistryMigrations, snapshot: { readonly source?: SnapshotSource }, variant: SqlVariant): StaleSnapshot | null {
  if (!snapshot.source) return null;
  const now = snapshotSourceOf(registry, variant);
  return now.digest === snapshot.source.digest ? null : { snapshotThrough: snapshot.source.through, registryThrough: now.through };
}

/** Why a stale snapshot cannot be used, ending in the command that regenerates it. */
export function staleSnapshotMessage(plane: string, variant: SqlVariant, stale: StaleSnapshot, regenerate: string): string {
  const through = (v: number | null) => (v === null ? 'no migration' : String(v));
  const what =
    stale.snapshotThrough === stale.registryThrough
      ? `it was made from migrations through ${through(stale.snapshotThrough)} as they were, and a migration file has changed since`
      : `it was made from migrations through ${through(stale.snapshotThrough)}; the registry now runs through ${through(stale.registryThrough)}`;
  return (
    `The ${plane} registry's ${variant} schema snapshot is older than the registry: ${what}. The database was not compared with it. Regenerate ` +
    `it: ${regenerate}`
  );
}
