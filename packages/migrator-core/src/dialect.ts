import type { MigrationScript, SqlVariant } from './migration.js';
import type { SchemaObject, SchemaObjectKind } from './schema/schema-object.js';
import type { AuditRecord, BatchedMigration, History, HistoryRecord } from './history.js';
import type { Statement, StatementError, StatementOutcome } from './statement.js';

export * from './history.js';
export * from './statement.js';

/** Who holds the migration lock, as far as the database can tell. */
export interface LockHolder {
  readonly description: string;
}

/**
 * What every dialect's session must do. One pinned connection: the lock, the history reads and every
 * migration statement of a run go through the same session, so a pool can never hand part of the work
 * to another connection.
 */
export interface SessionCore {
  /** Which SQL of a migration this session runs. */
  readonly sqlVariant: SqlVariant;
  /** Whether a migration may run outside a transaction (`-- atlas:no-transaction`); SQLite: never. */
  readonly canRunOutsideTransaction: boolean;
  /**
   * Reads `schema_migrations` in one query; `null` when the table does not exist. On a session opened
   * with `historyFirst`, the first call may return what the dialect read in the set-up round trip.
   */
  readHistory(): Promise<History | null>;
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

/**
 * What a dialect's session may add, each optional: the runner asks for each and does without it (as
 * Kysely's adapter keeps its feature flags apart from the lock every adapter must take).
 */
export interface SessionCapabilities {
  /**
   * Own objects: the objects of the plane's schema that are its own, described (`table public.users`), sorted: on
   * PostgreSQL its tables, views, sequences, types and functions that are not an extension's members; on
   * SQLite every object of the file. What a database without a history was populated with by other
   * means; without it, such a database is not told from an empty one.
   */
  ownObjects?(): Promise<readonly string[]>;
  /**
   * Split preparation: starts loading what `split` needs for these scripts (PostgreSQL's parser, unless
   * a build split them all already), without waiting for it, so that it loads while the run waits on
   * the database; a failure to load is `split`'s to report.
   */
  prepareToSplit?(scripts: readonly MigrationScript[]): void;
  /**
   * The grammar `split` and `checkSyntax` check with, when it is newer than the server's (so a
   * dry run may pass what the server rejects); undefined when the check is as strict as the server.
   */
  readonly newerGrammar?: SyntaxGrammar | undefined;
  /**
   * Batching: applies several transactional migrations in one transaction and a constant number of
   * round trips, each with its history row (outcome `applied`), resetting the session after each. Returns each
   * migration's duration in ms; or null when the batch did not apply cleanly (a statement failed, or the
   * database said something already existed, which only `execute` can attribute): then nothing of it
   * was committed, and the runner replays its migrations one by one. Throws only when the connection
   * failed (a `CommitUnknownError` when that was during COMMIT).
   */
  applyBatch?(batch: readonly BatchedMigration[]): Promise<readonly number[] | null>;
  /**
   * Collisions: the object of the plane's schema that made `statement` fail by being there already (its
   * name taken, a unique index), named as a snapshot names it, once the catalog confirms it exists; null
   * when the error names none reliably. Called after the failed migration rolled back.
   */
  collidingObject?(error: StatementError, statement: Statement | undefined): Promise<NamedObject | null>;
}

/** An object as a schema snapshot names it (`index users.users_email_idx`). */
export interface NamedObject {
  readonly kind: SchemaObjectKind;
  readonly name: string;
}

/**
 * The grammar a dry run checked syntax with, when it is newer than the server's: `plan` may then pass SQL
 * the server rejects (PostgreSQL 15 wants an alias on a subquery in FROM; PostgreSQL 16's grammar does not).
 */
export interface SyntaxGrammar {
  /** What parsed the SQL: `libpg-query`. */
  readonly parser: string;
  /** The major version of the PostgreSQL grammar it implements. */
  readonly grammar: number;
  /** The server's major version. */
  readonly server: number;
}

/** A session as the runner uses it: the core, and whichever capabilities its dialect has. */
export interface Session extends SessionCore, SessionCapabilities {}

/** A database the engine can migrate; only the dialect modules know which one. */
export interface Dialect {
  /** The target with any password redacted, safe to print. */
  readonly target: string;
  connect(options: ConnectOptions): Promise<Session>;
}

/** What every dialect's `connect` is told. */
export interface ConnectOptions extends ConnectCapabilities {
  /** Shown to other sessions (PostgreSQL `application_name`), e.g. to name a lock holder. */
  readonly applicationName: string;
  /** A dry run: the session must be unable to change anything, and must not create the database. */
  readonly readOnly: boolean;
  /** How long any access may wait for another process's lock (SQLite's busy timeout). */
  readonly lockTimeoutMs: number;
}

/** What a dialect may do at connect when it can, and ignore when it cannot. */
export interface ConnectCapabilities {
  /**
   * History at connect: the caller's first use of the session is `readHistory()`, before any lock; the
   * dialect may read the history in the round trip that sets the session up (a no-op run is then one
   * query), and the first `readHistory()` returns those rows.
   */
  readonly historyFirst?: boolean;
  /** Abort: when it aborts, the dialect ends whatever the session is running on the server (PostgreSQL: the backend). */
  readonly signal?: AbortSignal;
}

/** How a dialect behaves, beyond its URL; each dialect reads the options that concern it. */
export interface DialectOptions {
  /**
   * PostgreSQL: the schema the plane owns (default `public`). Its history table lives there, and every
   * migration starts with `search_path` set to it alone. SQLite has one schema and ignores it.
   */
  readonly schema?: string;
  /**
   * PostgreSQL: `lock_timeout` of every migration statement, in ms (default 5 s): the longest an
   * application query can queue behind a migration's DDL lock. Services: MIGRATION_DDL_LOCK_TIMEOUT_SECONDS.
   */
  readonly ddlLockTimeoutMs?: number;
  /**
   * PostgreSQL: how many times a transactional migration that could not get its locks (55P03) is rolled
   * back and run again, with exponential backoff and jitter (default 5). Services: MIGRATION_LOCK_RETRIES.
   */
  readonly lockRetries?: number;
  /** PostgreSQL: the first backoff delay before a retry, doubled each time, ±50 % jitter (default 500 ms). */
  readonly lockRetryBaseMs?: number;
  /**
   * PostgreSQL: `lock_timeout` of CONCURRENTLY statements in no-transaction migrations, which wait for
   * older transactions by design (default 10 min). Services: MIGRATION_CONCURRENT_LOCK_TIMEOUT_SECONDS.
   */
  readonly concurrentLockTimeoutMs?: number;
  /**
   * PostgreSQL: how long to keep trying a database that is not reachable yet (refused, DNS failure,
   * starting up), with backoff (default 30 s; 0: one try). Services: MIGRATION_CONNECT_WAIT_SECONDS.
   */
  readonly connectWaitMs?: number;
}

/**
 * The tables the engine itself creates in a plane's schema: the history, and the audit trail `baseline`
 * and `repair` append to. They are the engine's, never a registry's, so the catalog readers leave them
 * (and whatever hangs off them: columns, keys, indexes, an owned sequence) out of every comparison. The
 * dialects create them; add any new one here.
 */
export const ENGINE_TABLES: readonly string[] = ['schema_migrations', 'schema_migrations_audit'];
