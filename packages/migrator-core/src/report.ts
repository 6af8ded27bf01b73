import { StatementError } from './statement.js';
import type { Migration, SqlVariant } from './migration.js';
import { MigratorError, isMigratorError, messageOf, type MigratorErrorCode } from './errors.js';
import type { DriftReport } from './schema/drift-check.js';
import type { SyntaxGrammar } from './dialect.js';

export type RunMode = 'apply' | 'dry-run';

/** A migration this run executed and recorded. `skipped`: every object it creates was already there. */
export interface AppliedMigration {
  readonly version: number;
  readonly name: string;
  readonly outcome: 'applied' | 'skipped';
  readonly durationMs: number;
  /** 1-based indexes of the statements skipped because their object already existed. */
  readonly skippedStatements: readonly number[];
  /** Everything the database said was already there, statement by statement (skipped or not). */
  readonly alreadyPresent: readonly PresentObject[];
}

/** An object a statement found already present (the guide's "column already exists" case, made visible). */
export interface PresentObject {
  readonly statement: number;
  readonly line: number;
  /** The database's words, e.g. `column "subscription_id" of relation "billing_invoices" already exists`. */
  readonly message: string;
  /** Whether the whole statement was skipped (it had no other action). */
  readonly skipped: boolean;
}

/** An applied migration the checksum check cannot vouch for. */
export interface UnverifiedMigration {
  readonly version: number;
  /** `no checksum recorded` (an older runner applied it), `checksum algorithm missing`, or `unknown checksum algorithm …`. */
  readonly reason: string;
}

/**
 * An applied migration whose file changed only outside its statements (comments, white space): a warning,
 * and `up` re-records its checksum (an audit row, action `reformat`), so the warning is said once.
 */
export interface ReformattedMigration {
  readonly version: number;
  readonly name: string;
  readonly file: string;
  readonly recordedChecksum: string;
  readonly checksum: string;
}

/**
 * What a failed migration left behind, as the database reported it:
 * - `not-run`: refused before any of its statements ran;
 * - `rolled-back`: nothing of it stays;
 * - `partly-committed`: `committedStatements` stay (a no-transaction migration, or a statement that ended the transaction);
 * - `unknown`: the connection was lost during COMMIT; schema_migrations, which commits with it, tells.
 * In every case the migration is not recorded as applied (for `unknown`, unless it did commit).
 */
export interface FailedMigration {
  readonly transactional: boolean;
  readonly outcome: 'not-run' | 'rolled-back' | 'partly-committed' | 'unknown';
  readonly committedStatements: readonly number[];
}

export interface PendingMigration {
  readonly version: number;
  readonly name: string;
}

/** The serialisable form of a failure. */
export interface PlaneError {
  readonly code: MigratorErrorCode;
  readonly message: string;
  readonly version: number | null;
  readonly name: string | null;
  /** The migration's file for this dialect. */
  readonly file: string | null;
  readonly statement: number | null;
  readonly line: number | null;
  readonly column: number | null;
  readonly sqlstate: string | null;
  readonly dbCode: string | null;
  readonly detail: string | null;
  readonly hint: string | null;
  /** Set when a migration failed: what it left behind. */
  readonly migration: FailedMigration | null;
  /**
   * Present only when the failing statement ran into an object that no migration made (made by hand or by
   * another tool): the registry's schema snapshot lacks it. Named as the snapshot names it (`table audit_log`).
   */
  readonly unrecordedObject?: { readonly kind: string; readonly name: string };
  /** The text of `line` in `file`, for the text report's excerpt (not in the JSON document, which has `line` and `column`). */
  readonly sourceLine?: string;
}

/** The error with the text of the line it points at, when it points into one of the registry's files. */
export function withSourceLine(error: PlaneError, migrations: readonly Migration[], variant: SqlVariant): PlaneError {
  if (error.version === null || error.line === null || error.file === null) return error;
  const script = migrations.find((m) => m.version === error.version)?.scripts[variant];
  if (!script || script.file !== error.file) return error;
  const sql = script.sql;
  let start = 0;
  for (let line = 1; line < error.line; line++) {
    const next = sql.indexOf('\n', start);
    if (next === -1) return error;
    start = next + 1;
  }
  const end = sql.indexOf('\n', start);
  return { ...error, sourceLine: sql.slice(start, end === -1 ? sql.length : end).replace(/\r$/, '') };
}

export const LOCK_TIMEOUT_HINT =
  'another run of this database may still be migrating; wait longer with --lock-timeout <seconds> (a service: MIGRATION_LOCK_TIMEOUT_SECONDS), or end ' +
  'the holder named above';

/** The serialisable form of any failure; `migration` says what a failed migration left behind. */
export function toPlaneError(error: unknown, migration: FailedMigration | null = null): PlaneError {
  const e = isMigratorError(error) ? error : undefined;
  // A statement failure's fields say where; its message is the database's own words.
  const located = (e?.code === 'STATEMENT_FAILED' || e?.code === 'PERMISSION_DENIED') && e.cause instanceof StatementError;
  // Every lock timeout ends in the way to wait longer, whichever dialect timed out.
  const hint = e?.hint ?? (e?.code === 'LOCK_TIMEOUT' ? LOCK_TIMEOUT_HINT : null);
  return {
    code: e?.code ?? 'DATABASE_ERROR',
    message: messageOf(located ? e.cause : error),
    version: e?.version ?? null,
    name: e?.migrationName ?? null,
    file: e?.file ?? null,
    statement: e?.statement ?? null,
    line: e?.line ?? null,
    column: e?.column ?? null,
    sqlstate: e?.sqlstate ?? null,
    dbCode: e?.dbCode ?? null,
    detail: e?.detail ?? null,
    hint,
    migration,
    ...(e?.unrecordedObject ? { unrecordedObject: e.unrecordedObject } : {}),
  };
}

/** What happened to one plane's database in one run. */
export interface PlaneReport {
  readonly plane: string;
  /** The redacted database target. */
  readonly target: string;
  readonly mode: RunMode;
  readonly ok: boolean;
  readonly connected: boolean;
  /** Executed in this run, in order. */
  readonly applied: readonly AppliedMigration[];
  /** Versions of the registry that were already recorded before this run. */
  readonly alreadyApplied: readonly number[];
  /** Dry run: what would be applied. Apply: what was not run (after a failure, or beyond `--to`). */
  readonly pending: readonly PendingMigration[];
  /** Recorded versions in this plane's range that this code does not know (a newer release ran). */
  readonly unknownApplied: readonly number[];
  /** Pending versions lower than the highest applied one (merged late); applied like any other. */
  readonly outOfOrder: readonly number[];
  /** Applied migrations whose recorded checksum cannot be checked against their file. */
  readonly unverified: readonly UnverifiedMigration[];
  /** Applied migrations whose file changed only in comments or white space (apply: re-recorded in this run). */
  readonly reformatted?: readonly ReformattedMigration[];
  /**
   * Whether the run may have committed anything: the history table made or adopted, a checksum
   * re-recorded, a migration recorded. False (or absent) on a failed run: nothing was changed, unless its
   * failed migration partly committed or its commit's outcome is unknown (see `error.migration`).
   */
  readonly changed?: boolean;
  /**
   * Dry run: the database has no schema_migrations, yet its schema holds these objects of its own
   * (`table public.users`), so `up` will refuse (HISTORY_MISSING) until `baseline` records them. Absent
   * when there is nothing to say (or the registry declares every migration idempotent).
   */
  readonly unrecordedObjects?: readonly string[];
  /**
   * The objects of the versions this run applied (or marked skipped), compared with the registry's
   * schema snapshot: drift is a warning, the run still succeeds. Null or absent when nothing was checked.
   */
  readonly drift?: DriftReport | null;
  readonly error: PlaneError | null;
  /** Dry run: exactly what would run, migration by migration (for `plan --sql`). */
  readonly planned?: readonly PlannedMigration[];
  /** Dry run with pending migrations: set when their syntax was checked with a grammar newer than the server's. */
  readonly syntaxGrammar?: SyntaxGrammar | null;
}

export type { SyntaxGrammar } from './dialect.js';

/** A pending migration as a dry run parsed it: the statements the engine would send, in order. */
export interface PlannedMigration {
  readonly version: number;
  readonly name: string;
  readonly file: string;
  readonly sqlVariant: SqlVariant;
  readonly transactional: boolean;
  readonly checksum: string;
  readonly statements: readonly string[];
}

/** What a run is doing as it happens, for live progress lines (the report is the result). */
export type ProgressEvent =
  | { readonly kind: 'connecting'; readonly plane: string; readonly target: string }
  | { readonly kind: 'connected'; readonly plane: string }
  /** Another run holds the plane's lock; `holder` names it as the database can tell. */
  | { readonly kind: 'lock-wait'; readonly plane: string; readonly holder: string }
  | { readonly kind: 'migration-start'; readonly plane: string; readonly version: number; readonly name: string }
  | {
      readonly kind: 'migration-end';
      readonly plane: string;
      readonly version: number;
      readonly outcome: 'applied' | 'skipped' | 'failed';
      readonly durationMs: number;
    }
  /** A heartbeat while one statement runs long (PostgreSQL; a SQLite statement blocks the process). */
  | {
      readonly kind: 'statement-running';
      readonly plane: string;
      readonly version: number;
      readonly statement: number;
      readonly line: number;
      readonly text: string;
      readonly elapsedMs: number;
    }
  /** A heartbeat while a batch of migrations (one transaction, one query) runs long: which statement is running is not known. */
  | { readonly kind: 'batch-running'; readonly plane: string; readonly versions: readonly number[]; readonly elapsedMs: number };

/**
 * The version of the run document's shape (`up`/`plan --json`), raised when a field changes meaning or goes away;
 * status has its own (STATUS_SCHEMA_VERSION).
 */
export const JSON_SCHEMA_VERSION = 1;

/**
 * The versions of the other documents the engine prints, each its own (docs/json-output.md): `lint --json`,
 * `verify --json`, and `baseline`/`repair --json`. Raised only when a field changes meaning or goes away.
 */
export const LINT_SCHEMA_VERSION = 1;
export const VERIFY_SCHEMA_VERSION = 1;
export const RECOVERY_SCHEMA_VERSION = 1;

/** The result of a run over one or more planes. */
export interface MigrationReport {
  readonly ok: boolean;
  readonly mode: RunMode;
  readonly planes: readonly PlaneReport[];
}

/**
 * Throws a NOT_MIGRATED error unless every plane of the report succeeded, so that a service never
 * starts on a schema it does not expect.
 */
export function assertMigrated(report: MigrationReport | PlaneReport): void {
  const planes = 'planes' in report ? report.planes : [report];
  const failed = planes.filter((plane) => !plane.ok);
  if (failed.length === 0) return;
  const first = failed[0]!;
  const where = first.error?.version != null ? ` at migration ${first.error.version} (${first.error.name})` : '';
  throw new MigratorError(
    'NOT_MIGRATED',
    `Migrations failed for ${failed.map((p) => p.plane).join(', ')}${where}: ${first.error?.message ?? 'unknown error'}`,
    {
      plane: first.plane,
      ...(first.error?.version != null ? { version: first.error.version } : {}),
      cause: first.error,
    },
  );
}

/** A PlaneError as the JSON documents carry it: without the excerpt's text, which `file`, `line` and `column` locate. */
export function errorToJson(error: PlaneError): PlaneError {
  const { sourceLine: _, ...fields } = error;
  return fields;
}

/** The CLI's JSON document: the report with only the fields operators script against. */
export function reportToJson(report: MigrationReport): unknown {
  return {
    schemaVersion: JSON_SCHEMA_VERSION,
    ok: report.ok,
    mode: report.mode,
    planes: report.planes.map((plane) => ({
      plane: plane.plane,
      target: plane.target,
      ok: plane.ok,
      applied: plane.applied.map(({ version, name, outcome, durationMs, alreadyPresent }) => ({ version, name, outcome, durationMs, alreadyPresent })),
      alreadyApplied: plane.alreadyApplied,
      pending: plane.pending,
      unknownApplied: plane.unknownApplied,
      outOfOrder: plane.outOfOrder,
      unverified: plane.unverified,
      reformatted: plane.reformatted ?? [],
      unrecordedObjects: plane.unrecordedObjects ?? [],
      drift: plane.drift ?? null,
      syntaxGrammar: plane.syntaxGrammar ?? null,
      error: plane.error === null ? null : errorToJson(plane.error),
    })),
  };
}
