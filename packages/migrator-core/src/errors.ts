/** Every failure the engine reports carries one of these codes. */
export type MigratorErrorCode =
  | 'CONFIG_INVALID'
  | 'REGISTRY_INVALID'
  | 'CONNECTION_FAILED'
  | 'LOCK_TIMEOUT'
  | 'LOCK_LOST'
  /** PostgreSQL: a migration could not get its locks within lock_timeout on any attempt (55P03); names the blockers. */
  | 'LOCK_CONTENTION'
  /** PostgreSQL: the URL goes through a transaction-pooling proxy, where a session lock cannot hold. */
  | 'TRANSACTION_POOLER'
  /** PostgreSQL 42501: the role lacks a privilege; says which, on what, and the GRANTs that give it. */
  | 'PERMISSION_DENIED'
  | 'HISTORY_INVALID'
  /** No schema_migrations, but the schema already holds objects of its own: `baseline` first (or an idempotent registry). */
  | 'HISTORY_MISSING'
  | 'CHECKSUM_MISMATCH'
  | 'STATEMENT_FAILED'
  /** A transactional migration contains BEGIN/COMMIT/ROLLBACK/SAVEPOINT/RELEASE, or ended or left open a transaction. */
  | 'TRANSACTION_CONTROL'
  /** SQLite: a migration left rows whose foreign keys point nowhere (enforcement is off during the run). */
  | 'FOREIGN_KEY_VIOLATION'
  /** `baseline` or `repair` refused: what it would record is already recorded, or not applied. */
  | 'RECOVERY_REFUSED'
  /** The database failed outside any migration (lost connection, refused query). */
  | 'DATABASE_ERROR'
  /** The caller's AbortSignal ended the run (`RunOptions.signal`); the running statement was ended on the server. */
  | 'ABORTED'
  | 'NOT_MIGRATED';

/** Where in a migration a failure happened; every field is optional because not every failure has one. */
export interface MigratorErrorContext {
  readonly plane?: string;
  readonly version?: number;
  readonly name?: string;
  readonly file?: string;
  /** 1-based index of the statement within the migration's file. */
  readonly statement?: number;
  /** 1-based line and column in the migration's file. */
  readonly line?: number;
  readonly column?: number;
  readonly sqlstate?: string;
  /** The database's own error code where it is not a SQLSTATE (SQLite's result code). */
  readonly dbCode?: string;
  readonly detail?: string;
  readonly hint?: string;
  /** The object a failed statement ran into that no migration made (it is not in the registry's snapshot). */
  readonly unrecordedObject?: { readonly kind: string; readonly name: string };
  readonly cause?: unknown;
}

/**
 * The engine's public error type: everything the engine throws to its callers, and everything a report's
 * `error` is made from. (Inside the engine, a statement's failure travels as a StatementError or a
 * MigrationFailure until the runner turns it into one of these.) It wraps the underlying error in `cause`
 * and never pastes a stack into its message.
 */
export class MigratorError extends Error {
  readonly code: MigratorErrorCode;
  readonly plane: string | undefined;
  readonly version: number | undefined;
  readonly migrationName: string | undefined;
  readonly file: string | undefined;
  readonly statement: number | undefined;
  readonly line: number | undefined;
  readonly column: number | undefined;
  readonly sqlstate: string | undefined;
  readonly dbCode: string | undefined;
  readonly detail: string | undefined;
  readonly hint: string | undefined;
  readonly unrecordedObject: { readonly kind: string; readonly name: string } | undefined;

  constructor(code: MigratorErrorCode, message: string, context: MigratorErrorContext = {}) {
    super(message, context.cause === undefined ? undefined : { cause: context.cause });
    this.name = 'MigratorError';
    this.code = code;
    this.plane = context.plane;
    this.version = context.version;
    this.migrationName = context.name;
    this.file = context.file;
    this.statement = context.statement;
    this.line = context.line;
    this.column = context.column;
    this.sqlstate = context.sqlstate;
    this.dbCode = context.dbCode;
    this.detail = context.detail;
    this.hint = context.hint;
    this.unrecordedObject = context.unrecordedObject;
  }
}

export function isMigratorError(value: unknown): value is MigratorError {
  return value instanceof MigratorError;
}

/** The message of any thrown value, without its stack. */
export function messageOf(value: unknown): string {
  if (value instanceof Error) return value.message;
  return String(value);
}
