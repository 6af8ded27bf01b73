import { MigratorError } from './errors.js';
import type { MigrationScript, SqlVariant } from './migration.js';
import type { SyntaxGrammar } from './report.js';
import type { SchemaObject } from './schema/schema-object.js';

/** One statement of a migration script, located in its file. */
export interface Statement {
  /** 1-based position of the statement in the file. */
  readonly index: number;
  readonly text: string;
  /** 1-based line and column of the statement's first character in the file. */
  readonly line: number;
  readonly column: number;
  /**
   * Set when the statement begins, ends or marks a transaction. `begin` and `commit` are the plain forms
   * (`BEGIN`, `START TRANSACTION`, `COMMIT`, `END`) a whole-file wrapper uses; `other` is everything else
   * (`ROLLBACK`, `SAVEPOINT`, `RELEASE`, `COMMIT AND CHAIN`, a `BEGIN` with options, …).
   */
  readonly transactionControl?: 'begin' | 'commit' | 'other';
  /** A statement that only sets a session setting (PostgreSQL `SET`/`RESET`, SQLite `PRAGMA`). */
  readonly sessionSetting?: boolean;
  /**
   * What the dialect sends, when that is not `text`: the statement exactly as the file has it, through
   * its `;` (SQLite keeps the text of a `CREATE INDEX` up to that `;` in `sqlite_master`, spaces and
   * comments included). `text` is the statement trimmed, for reports.
   */
  readonly sql?: string;
}

/**
 * What executing one statement came to. `alreadyExisted` is true only for a statement that creates
 * exactly one object and found that object present (the one failure a dialect may swallow, and only
 * after the catalog confirmed it); `present` is what the database said was already there, also for a
 * statement that ran and merely skipped part of its work (an `IF NOT EXISTS` action among several).
 */
export interface StatementOutcome {
  readonly alreadyExisted: boolean;
  readonly present: readonly string[];
}

export const RAN: StatementOutcome = Object.freeze({ alreadyExisted: false, present: Object.freeze([]) });

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
export function historyFromRows(columns: ReadonlySet<string>, rows: readonly Record<string, unknown>[], recordedColumns: readonly string[], narrowVersion = false): History {
  if (!columns.has('version') || !columns.has('name')) {
    throw new MigratorError('HISTORY_INVALID', 'schema_migrations exists but has no version or name column; it was not made by a migration runner this engine can adopt');
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

/** Who holds the migration lock, as far as the database can tell. */
export interface LockHolder {
  readonly description: string;
}

/**
 * One pinned connection. The lock, the history reads and every migration statement of a run go
 * through the same session, so a pool can never hand part of the work to another connection.
 */
export interface Session {
  /** Which SQL of a migration this session runs. */
  readonly sqlVariant: SqlVariant;
  /** Whether a migration may run outside a transaction (`-- atlas:no-transaction`); SQLite: never. */
  readonly canRunOutsideTransaction: boolean;
  /**
   * Reads `schema_migrations` in one query; `null` when the table does not exist. On a session opened
   * with `historyFirst`, the first call may return what the dialect read in the set-up round trip.
   */
  readHistory(): Promise<History | null>;
  /**
   * The objects of the plane's schema that are its own, described (`table public.users`), sorted: on
   * PostgreSQL its tables, views, sequences, types and functions that are not an extension's members; on
   * SQLite every object of the file. What a database without a history was populated with by other means.
   */
  ownObjects(): Promise<readonly string[]>;
  /** Creates `schema_migrations`, or adds the columns an older runner did not have. Called under the lock. */
  prepareHistory(history: History | null): Promise<void>;
  /**
   * Runs `fn` while holding the migration lock of this session's history table (whatever the plane is
   * called: two runs against one history never overlap), waiting at most `timeoutMs` for it.
   * Throws LOCK_TIMEOUT naming the holder, LOCK_LOST when the release shows the lock was not held.
   */
  withLock<T>(timeoutMs: number, fn: () => Promise<T>, onWait?: (holder: string) => void): Promise<T>;
  /** Splits a script into located statements; throws STATEMENT_FAILED on a parse error. */
  split(script: MigrationScript): Promise<readonly Statement[]>;
  /**
   * Optional: starts loading what `split` needs for these scripts (PostgreSQL's parser, unless a build
   * split them all already), without waiting for it, so that it loads while the run waits on the
   * database; a failure to load is `split`'s to report.
   */
  prepareToSplit?(scripts: readonly MigrationScript[]): void;
  /**
   * Optional: the grammar `split` and `checkSyntax` check with, when it is newer than the server's (so a
   * dry run may pass what the server rejects); undefined when the check is as strict as the server.
   */
  readonly newerGrammar?: SyntaxGrammar | undefined;
  /** Has the database check each statement's syntax without running it; throws a StatementError on the first it cannot parse. */
  checkSyntax(statements: readonly Statement[]): Promise<void>;
  /**
   * Runs `fn` in a transaction that commits on return and rolls back on throw. A failed COMMIT whose
   * outcome cannot be known (the connection was lost) throws a `CommitUnknownError`. A dialect may run
   * `fn` again after rolling back, when it failed only for a lock it could not get (PostgreSQL 55P03,
   * then LOCK_CONTENTION when the retries are spent): `fn` must start from scratch each time.
   */
  transaction<T>(fn: () => Promise<T>): Promise<T>;
  /** Whether a transaction is open on the session right now, as the database last reported it. */
  transactionOpen(): boolean;
  /** Rolls back whatever transaction a migration left open (a no-transaction migration's own BEGIN). */
  rollbackOpenTransaction(): Promise<void>;
  /**
   * Executes one statement. Swallows an "already exists" failure only for a statement that creates one
   * object which the catalog confirms present; throws a `StatementError` for every other failure.
   */
  execute(statement: Statement, inTransaction: boolean): Promise<StatementOutcome>;
  /** Undoes what a migration may have changed in the session (settings, role, temporary objects). */
  resetState(): Promise<void>;
  /**
   * Optional: applies several transactional migrations in one transaction and a constant number of round
   * trips, each with its history row (outcome `applied`), resetting the session after each. Returns each
   * migration's duration in ms; or null when the batch did not apply cleanly (a statement failed, or the
   * database said something already existed, which only `execute` can attribute): then nothing of it
   * was committed, and the runner replays its migrations one by one. Throws only when the connection
   * failed (a `CommitUnknownError` when that was during COMMIT).
   */
  applyBatch?(batch: readonly BatchedMigration[]): Promise<readonly number[] | null>;
  /** Inserts a history row. */
  record(row: HistoryRecord): Promise<void>;
  /** Re-records an applied migration's checksums (`repair`, and `up` after an edit outside the statements). */
  updateChecksum(version: number, checksum: string, checksumAlgorithm: string, statementsChecksum: string): Promise<void>;
  /** Appends to `schema_migrations_audit`, creating it on first use. */
  audit(record: AuditRecord): Promise<void>;
  /** The plane's schema as the catalog describes it, normalised and sorted (schema_migrations left out). */
  readSchema(): Promise<readonly SchemaObject[]>;
  close(): Promise<void>;
}

/** A database the engine can migrate; only the dialect modules know which one. */
export interface Dialect {
  /** The target with any password redacted, safe to print. */
  readonly target: string;
  connect(options: ConnectOptions): Promise<Session>;
}

export interface ConnectOptions {
  /** Shown to other sessions (PostgreSQL `application_name`), e.g. to name a lock holder. */
  readonly applicationName: string;
  /** A dry run: the session must be unable to change anything, and must not create the database. */
  readonly readOnly: boolean;
  /** How long any access may wait for another process's lock (SQLite's busy timeout). */
  readonly lockTimeoutMs: number;
  /**
   * The caller's first use of the session is `readHistory()`, before any lock: the dialect may read the
   * history in the round trip that sets the session up (a no-op run is then one query), and the first
   * `readHistory()` returns those rows.
   */
  readonly historyFirst?: boolean;
  /** When it aborts, the dialect ends whatever the session is running on the server (PostgreSQL: the backend). */
  readonly signal?: AbortSignal;
}

/** A statement the database refused (or the parser could not read), with what it said. */
export class StatementError extends Error {
  /** 1-based index of the statement; `null` when the script could not be split at all. */
  readonly statementIndex: number | null;
  readonly line: number;
  readonly column: number;
  readonly sqlstate: string | undefined;
  readonly dbCode: string | undefined;
  readonly detail: string | undefined;
  readonly hint: string | undefined;

  constructor(
    message: string,
    fields: { statementIndex: number | null; line: number; column: number; sqlstate?: string; dbCode?: string; detail?: string; hint?: string; cause: unknown },
  ) {
    super(message, { cause: fields.cause });
    this.name = 'StatementError';
    this.statementIndex = fields.statementIndex;
    this.line = fields.line;
    this.column = fields.column;
    this.sqlstate = fields.sqlstate;
    this.dbCode = fields.dbCode;
    this.detail = fields.detail;
    this.hint = fields.hint;
  }
}

/** A COMMIT that failed in a way that leaves its outcome unknown (the connection was lost during it). */
export class CommitUnknownError extends Error {
  constructor(cause: unknown) {
    super(`the connection was lost during COMMIT: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'CommitUnknownError';
  }
}

/** Line and column in the file of a 0-based character offset inside a statement's text. */
export function locateInStatement(statement: Statement, offset: number): { line: number; column: number } {
  const before = statement.text.slice(0, Math.max(0, offset));
  const newlines = before.split('\n').length - 1;
  if (newlines === 0) return { line: statement.line, column: statement.column + before.length };
  return { line: statement.line + newlines, column: before.length - before.lastIndexOf('\n') };
}

/** Line and column (1-based) of a 0-based character offset in a text. */
export function locateInText(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return { line, column: before.length - before.lastIndexOf('\n') };
}

/** Offset of the first character that is neither white space nor inside a leading SQL comment. */
export function skipLeadingComments(text: string): number {
  let i = 0;
  for (;;) {
    while (i < text.length && /\s/.test(text[i]!)) i++;
    if (text.startsWith('--', i)) {
      const end = text.indexOf('\n', i);
      i = end === -1 ? text.length : end + 1;
    } else if (text.startsWith('/*', i)) {
      const end = text.indexOf('*/', i + 2);
      i = end === -1 ? text.length : end + 2;
    } else {
      return i;
    }
  }
}

/**
 * Line and column of ascending offsets in a text, counting lines once, front to back: locating every
 * statement of a file is linear in its size (an offset before the last one starts the count over).
 */
export function lineCursor(text: string): (offset: number) => { line: number; column: number } {
  let position = 0;
  let line = 1;
  let lineStart = 0;
  return (offset) => {
    if (offset < position) {
      position = 0;
      line = 1;
      lineStart = 0;
    }
    for (; position < offset; position++) {
      if (text.charCodeAt(position) === 10) {
        line++;
        lineStart = position + 1;
      }
    }
    return { line, column: offset - lineStart + 1 };
  };
}

/**
 * Builds located statements from (text, offset in file) chunks, dropping chunks that hold only comments.
 * A chunk's `end` (exclusive, past its `;`) keeps the statement as written in `sql`.
 */
export function locateStatements(fileText: string, chunks: readonly { text: string; offset: number; end?: number }[]): Statement[] {
  const statements: Statement[] = [];
  const locate = lineCursor(fileText);
  for (const chunk of chunks) {
    const skip = skipLeadingComments(chunk.text);
    const text = chunk.text.slice(skip).trimEnd();
    if (text === '' || text === ';') continue;
    const { line, column } = locate(chunk.offset + skip);
    const sql = chunk.end === undefined ? undefined : fileText.slice(chunk.offset + skip, chunk.end);
    // `text` is a prefix of `sql`: only a statement with more than its `;` after it keeps a second copy.
    const same = sql === undefined || sql.length === text.length || (sql.length === text.length + 1 && sql.endsWith(';'));
    statements.push({ index: statements.length + 1, text, line, column, ...(same ? {} : { sql }) });
  }
  return statements;
}
