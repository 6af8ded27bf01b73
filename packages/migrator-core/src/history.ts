import { MigratorError } from './errors.js';
import type { Statement } from './statement.js';

/** A row of `schema_migrations`, whatever runner wrote it. */
export interface HistoryRow {
  readonly version: number;
  readonly name: string;
  readonly appliedAt: string | null;
  readonly checksum: string | null;
  readonly checksumAlgorithm: string | null;
  /** `STATEMENTS_CHECKSUM_ALGORITHM:<hex>` of the statements alone; null on rows recorded before it existed. */
  readonly statementsChecksum: string | null;
  readonly outcome: HistoryOutcome;
  readonly executionMs: number | null;
}

/** The table's rows, and whether it lacks columns this engine records (an older runner made it). */
export interface History {
  readonly rows: readonly HistoryRow[];
  readonly missingColumns: readonly string[];
  /** Its `version` column cannot hold every version (a PostgreSQL `integer`): widened under the lock. */
  readonly narrowVersion: boolean;
}

/** Whether `prepareHistory` has work to do: no table, missing columns, or a version column too narrow. */
export function historyNeedsPreparation(history: History | null): boolean {
  return history === null || history.missingColumns.length > 0 || history.narrowVersion;
}

/**
 * The History of a `SELECT * FROM schema_migrations`, whichever driver read it. `recordedColumns` are
 * the columns this engine writes beyond the older runners' `version, name, applied_at`.
 */
export function historyFromRows(
  columns: ReadonlySet<string>,
  rows: readonly Record<string, unknown>[],
  recordedColumns: readonly string[],
  narrowVersion = false,
): History {
  if (!columns.has('version') || !columns.has('name')) {
    throw new MigratorError(
      'HISTORY_INVALID',
      'schema_migrations exists but has no version or name column; it was not made by a migration runner this engine can adopt',
    );
  }
  const text = (value: unknown) => (value == null ? null : String(value));
  return {
    rows: rows.map((row) => ({
      version: Number(row.version),
      name: String(row.name),
      appliedAt: isoTimestamp(row.applied_at),
      checksum: text(row.checksum),
      checksumAlgorithm: text(row.checksum_algorithm),
      statementsChecksum: text(row.statements_checksum),
      outcome: row.outcome === 'skipped' || row.outcome === 'baselined' ? row.outcome : 'applied',
      executionMs: row.execution_ms == null ? null : Number(row.execution_ms),
    })),
    missingColumns: recordedColumns.filter((c) => !columns.has(c)),
    narrowVersion,
  };
}

/**
 * `applied_at` as ISO-8601 UTC, whichever database and runner wrote it: a Date (pg), this engine's SQLite
 * text (`2026-11-27 21:48:33.076+00`), or an older runner's `datetime('now')` (UTC, no zone). Text that
 * is none of these is kept as it is.
 */
export function isoTimestamp(value: unknown): string | null {
  if (value == null) return null;
  if (value instanceof Date) return value.toISOString();
  const text = String(value);
  const match = /^(\d{4}-\d\d-\d\d)[ T](\d\d:\d\d(?::\d\d(?:\.\d+)?)?)\s*(Z|[+-]\d\d(?::?\d\d)?)?$/.exec(text);
  if (!match) return text;
  const zone = match[3] === undefined || match[3] === 'Z' ? 'Z' : /^[+-]\d\d$/.test(match[3]) ? `${match[3]}:00` : match[3];
  const date = new Date(`${match[1]}T${match[2]}${zone}`);
  return Number.isNaN(date.getTime()) ? text : date.toISOString();
}

/** What the runner records for a migration it ran. */
export interface HistoryRecord {
  readonly version: number;
  readonly name: string;
  readonly checksum: string;
  readonly checksumAlgorithm: string;
  /** See `HistoryRow.statementsChecksum`. */
  readonly statementsChecksum: string;
  readonly executionMs: number;
  readonly outcome: HistoryOutcome;
}

/** A transactional migration as a batch runs it: its statements and its history row (timed by the dialect). */
export interface BatchedMigration {
  readonly statements: readonly Statement[];
  readonly record: Omit<HistoryRecord, 'executionMs' | 'outcome'>;
}

/** `applied` ran; `skipped` ran and found every object present; `baselined` recorded without running (`baseline`). */
export type HistoryOutcome = 'applied' | 'skipped' | 'baselined';

/** A line of `schema_migrations_audit`: what `baseline` and `repair` did to the history, and why. */
export interface AuditRecord {
  readonly version: number;
  /** `reformat`: `up` re-recorded a migration whose file changed only in comments or white space. */
  readonly action: 'baseline' | 'repair' | 'reformat';
  readonly oldChecksum: string | null;
  readonly newChecksum: string;
  readonly reason: string;
}
