import type { History } from './dialect.js';
import { MigratorError } from './errors.js';
import { CHECKSUM_ALGORITHM, type Migration, type SqlVariant } from './migration.js';
import type { Registry } from './registry.js';
import { repairCommand, shortHash } from './repair-hint.js';
import type { ReformattedMigration, UnverifiedMigration } from './report.js';
import { statementsChecksumOf } from './dialects/statements-checksum.js';

/** What a run would do, from `schema_migrations` and the registry alone: no database work here. */

/** Applied rows the checksum check cannot vouch for: no checksum, or one of an algorithm this release does not know. */
function unverifiedRows(history: History | null): UnverifiedMigration[] {
  return (history?.rows ?? [])
    .filter((row) => row.checksumAlgorithm !== CHECKSUM_ALGORITHM)
    .map((row) => ({
      version: row.version,
      reason:
        row.checksum === null
          ? 'no checksum recorded'
          : row.checksumAlgorithm === null
            ? 'checksum algorithm missing'
            : `unknown checksum algorithm ${row.checksumAlgorithm}`,
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
  /**
   * Applied migrations whose file changed only outside its statements (comments, white space), told by
   * the statements checksum recorded with them: `up` re-records their checksum, with an audit row.
   */
  readonly reformatted: ReformattedMigration[];
  /** Set when applied SQL has changed since it ran: the run must not go on. */
  readonly mismatch: MigratorError | null;
}

/** The CHECKSUM_MISMATCH of applied migrations whose statements changed, ending in the command that repairs each. */
function mismatchError(
  registry: Registry,
  target: string | undefined,
  variant: SqlVariant,
  changed: readonly { migration: Migration; recorded: string }[],
): MigratorError {
  const first = changed[0]!.migration;
  const each = changed.map(
    ({ migration: m, recorded }) =>
      `${m.version} (${m.name}, ${m.scripts[variant].file}): recorded ${shortHash(recorded)}, file ${shortHash(m.scripts[variant].checksum)}`,
  );
  const repairs = changed.map(({ migration: m }) => repairCommand(registry, target, m.version));
  return new MigratorError(
    'CHECKSUM_MISMATCH',
    `Applied migration SQL has changed since it ran: ${each.join('; ')}. Applied migrations are immutable: restore the file and put the change in a ` +
      `new migration.`,
    {
      plane: registry.plane,
      version: first.version,
      name: first.name,
      file: first.scripts[variant].file,
      hint: `if the edit was deliberate and the database already is what the file now says, re-record it: ${repairs.join(' ; ')}`,
    },
  );
}

/**
 * Compares recorded history with the registry, including the checksums of what was applied. `target`
 * (redacted) fills in the repair command a CHECKSUM_MISMATCH names.
 */
export function planRun(registry: Registry, history: History | null, variant: SqlVariant, to: number | undefined, target?: string): Plan {
  const rows = new Map((history?.rows ?? []).map((row) => [row.version, row]));
  const known = new Set(registry.migrations.map((m) => m.version));
  const changed: { migration: Migration; recorded: string }[] = [];
  const reformatted: ReformattedMigration[] = [];
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
    const script = migration.scripts[variant];
    if (!row.checksum || row.checksumAlgorithm !== CHECKSUM_ALGORITHM || row.checksum === script.checksum) continue;
    // Only a row that recorded its statements' checksum can tell an edit of comments from one of statements.
    if (row.statementsChecksum !== null && row.statementsChecksum === statementsChecksumOf(script, variant)) {
      reformatted.push({ version: migration.version, name: migration.name, file: script.file, recordedChecksum: row.checksum, checksum: script.checksum });
    } else {
      changed.push({ migration, recorded: row.checksum });
    }
  }
  const mismatch = changed.length > 0 ? mismatchError(registry, target, variant, changed) : null;
  const maxApplied = Math.max(0, ...alreadyApplied);
  const unknownApplied = [...rows.keys()]
    .filter((version) => !known.has(version) && version >= registry.range.min && version <= registry.range.max)
    .sort((a, b) => a - b);
  const outOfOrder = pending.filter((m) => m.version < maxApplied).map((m) => m.version);
  const unverified = unverifiedRows(history).filter((row) => known.has(row.version));
  return { alreadyApplied, pending, beyondTarget, unknownApplied, outOfOrder, unverified, reformatted, mismatch };
}
