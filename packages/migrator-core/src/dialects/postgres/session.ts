import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import { CommitUnknownError, RAN, StatementError, locateInStatement, type AuditRecord, type BatchedMigration, type History, type HistoryRecord, type Session, type Statement, type StatementOutcome } from '../../dialect.js';
import { MigratorError, messageOf } from '../../errors.js';
import type { Logger } from '../../logger.js';
import type { MigrationScript } from '../../migration.js';
import type { SyntaxGrammar } from '../../dialect.js';
import { loadPgParser } from './parser.js';
import { readPostgresSchema } from './catalog.js';
import type { SchemaObject } from '../../schema/schema-object.js';
import { BATCH_MARK_COLUMN, applyPostgresBatch } from './batch.js';
import { BlockerWatch, describeBlockers, type Blocker } from './blockers.js';
import { engineTable, quoteIdent } from './quote.js';
import { GUARD_SQLSTATE, type BackendGuard } from './guard.js';
import { HISTORY_COLUMNS, createHistory, readHistoryResult } from './history.js';
import { OWN_OBJECTS_SQL } from './own-objects.js';
import { acquireMigrationLock, lockLost, migrationLockName, releaseMigrationLock } from './lock.js';
import { INSUFFICIENT_PRIVILEGE, explainPermissionDenied, type PrivilegeContext } from './permissions.js';
import { describePgObject, existenceQuery, isOwnSplit, restorePostgresSplit, splitPostgresScript, type PgObject, type PgStatement } from './statements.js';

/** SQLSTATEs that mean "the object is already there": duplicate column, table, object, schema, function. */
const ALREADY_EXISTS = new Set(['42701', '42P07', '42710', '42P06', '42723']);
/** lock_not_available: `lock_timeout` expired (or a NOWAIT lock was refused). */
export const LOCK_NOT_AVAILABLE = '55P03';

/** pg's words for a connection that is gone (such errors carry no SQLSTATE). */
const CONNECTION_LOST = /Connection terminated|Client has encountered a connection error|not queryable|ECONNRESET|EPIPE/i;

/** Connection-level states the server reports after every query (ReadyForQuery). */
type TransactionStatus = 'I' | 'T' | 'E';

/** How long statements may wait for locks, and what happens when they cannot get them. */
export interface LockPolicy {
  /** `lock_timeout` of every migration statement (and of the engine's own). */
  readonly ddlLockTimeoutMs: number;
  /** How many times a transactional migration that hit 55P03 is rolled back and run again. */
  readonly retries: number;
  /** First backoff delay; doubled per retry (capped at 10 s), with ±50 % jitter. */
  readonly retryBaseMs: number;
  /** `lock_timeout` of CONCURRENTLY statements in a no-transaction migration (they wait for old transactions by design). */
  readonly concurrentLockTimeoutMs: number;
}

export interface SessionContext {
  readonly client: pg.Client;
  readonly logger: Logger;
  readonly schema: string;
  readonly backendPid: number;
  readonly privileges: PrivilegeContext;
  readonly policy: LockPolicy;
  /** Statements that restore the session's own settings after RESET ALL (start-up options refused, version-dependent ones). */
  readonly settingsSql: readonly string[];
  readonly watch: BlockerWatch;
  /** Behind a proxy: every message sent outside a transaction checks it reached the lock holder (guard.ts). */
  readonly guard?: BackendGuard;
  /** Called when the session closes (stops watching the run's AbortSignal). */
  readonly onClose?: () => void;
  /** The server's `server_version_num` (150008 for 15.8). */
  readonly serverVersionNum: number;
}

/** The major version of the PostgreSQL grammar libpg-query implements: its own major (18.x parses as PostgreSQL 18). */
export const PARSER_GRAMMAR_MAJOR = 18;

function seconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}

function sqlstateOf(error: unknown): string | undefined {
  for (let e = error as { sqlstate?: string; code?: string; cause?: unknown } | undefined, depth = 0; e && depth < 5; e = e.cause as typeof e, depth++) {
    if (typeof e.sqlstate === 'string') return e.sqlstate;
    if (typeof e.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code)) return e.code;
  }
  return undefined;
}

function statementOf(error: unknown): StatementError | undefined {
  for (let e = error as { cause?: unknown } | undefined, depth = 0; e && depth < 5; e = e.cause as typeof e, depth++) {
    if (e instanceof StatementError) return e;
  }
  return undefined;
}

function statementError(error: unknown, statement: Statement, offsetInText: number | undefined, message = messageOf(error), hint?: string): StatementError {
  const e = error as pg.DatabaseError;
  const at = offsetInText === undefined ? { line: statement.line, column: statement.column } : locateInStatement(statement, offsetInText);
  const detail = [e.detail, e.where ? `where: ${e.where}` : undefined].filter(Boolean).join('; ');
  const shownHint = hint ?? e.hint;
  return new StatementError(message, {
    statementIndex: statement.index,
    ...at,
    ...(e.code ? { sqlstate: e.code } : {}),
    ...(detail ? { detail } : {}),
    ...(shownHint ? { hint: shownHint } : {}),
    cause: error,
  });
}

/** The final word on a migration that could not get its locks: who was in the way, and what to do. */
function lockContention(error: unknown, attempts: number, timeoutMs: number, blockers: readonly Blocker[], transactional: boolean): MigratorError {
  const at = statementOf(error);
  const where = at ? `statement ${at.statementIndex}` : 'writing schema_migrations';
  const tries = attempts > 1 ? ` on each of ${attempts} attempts (the migration was rolled back after each and retried with backoff)` : transactional ? '' : ' (a no-transaction migration is not retried: what ran before it stays)';
  return new MigratorError(
    'LOCK_CONTENTION',
    `Lock not available: ${where} waited the whole lock_timeout of ${seconds(timeoutMs)}${tries}. Blocked by: ${describeBlockers(blockers)}.`,
    {
      sqlstate: LOCK_NOT_AVAILABLE,
      ...(at ? { statement: at.statementIndex ?? undefined, line: at.line, column: at.column } : {}),
      hint: 'End those sessions or let them finish (an application transaction left open is the usual cause), then run again; --ddl-lock-timeout and --lock-retries raise the bounds.',
      cause: error,
    },
  );
}

/** One pinned connection to PostgreSQL: the lock, the history and every migration statement of a run. */
export class PostgresSession implements Session {
  readonly sqlVariant = 'postgres' as const;
  readonly canRunOutsideTransaction = true;
  private notices: { code?: string | undefined; message?: string }[] = [];
  private lost: Error | undefined;
  /** Set once a guard check failed (another backend, or the lock gone): nothing more is sent but rollbacks. */
  private guardFailure: MigratorError | undefined;
  /** Whether the guard is on: from taking the lock until releasing it. */
  private guarding = false;
  /** What the server said after the last statement (ReadyForQuery): whether a transaction is open. */
  private get status(): TransactionStatus {
    return this.client.getTransactionStatus() ?? 'I';
  }
  /** `application_name` as the lock holder stamped it, restored after each migration's reset. */
  private applicationName: string | undefined;
  /** The schema-qualified history table. */
  private readonly history: string;
  private readonly client: pg.Client;
  private readonly logger: Logger;
  /** Who the last statement was seen waiting for (a lock timeout ends the wait, so this is seen during it). */
  private lastBlockers: Blocker[] = [];

  /** libpg-query's grammar, when the server is older than it: plan's syntax check may pass what the server rejects. */
  get newerGrammar(): SyntaxGrammar | undefined {
    const server = Math.floor(this.ctx.serverVersionNum / 10_000);
    return server < PARSER_GRAMMAR_MAJOR ? { parser: 'libpg-query', grammar: PARSER_GRAMMAR_MAJOR, server } : undefined;
  }

  constructor(private readonly ctx: SessionContext) {
    this.client = ctx.client;
    this.logger = ctx.logger;
    this.history = engineTable(ctx.schema);
    this.client.on('notice', (notice) => this.notices.push(notice));
    // An idle client that loses its server emits 'error'; without a listener that would crash the process.
    this.client.on('error', (error) => {
      this.lost = error;
    });
  }

  /** `how` says how a guarded session sends the text outside a transaction (guard.ts). */
  private async query<R extends pg.QueryResultRow = pg.QueryResultRow>(text: string, values?: unknown[], how: 'message' | 'statement' | 'alone' = 'message'): Promise<pg.QueryResult<R>> {
    if (this.lost) throw this.lost;
    if (this.guardFailure && !/^ROLLBACK\b/.test(text)) throw this.guardFailure;
    const guard = this.guarding ? this.ctx.guard : undefined;
    try {
      if (!guard) return await this.client.query<R>(text, values);
      // Inside a transaction the proxy keeps the session on its server connection, so only its COMMIT is
      // checked: that the lock is still held (a migration may have released it) before anything commits.
      if (this.status !== 'I') return text === 'COMMIT' ? await guard.commit<R>(this.client) : await this.client.query<R>(text, values);
      return await guard.send<R>(this.client, text, values, how);
    } catch (error) {
      // The server ends a session whose connection is gone, and with it the session's lock and transaction.
      if (CONNECTION_LOST.test(messageOf(error)) && (error as pg.DatabaseError).code === undefined) this.lost ??= error as Error;
      if (!guard || (error as pg.DatabaseError).code !== GUARD_SQLSTATE) throw error;
      this.guardFailure = /no longer holds/.test(messageOf(error))
        ? lockLost(migrationLockName(this.ctx.schema), `backend ${guard.backendPid} no longer held it at the run's next check (a statement released it: pg_advisory_unlock_all(), DISCARD ALL), so nothing more was committed`)
        : guard.moved(`a message of this session reached backend ${/backend (\d+)/.exec(messageOf(error))?.[1] ?? '?'} instead of ${guard.backendPid}, which holds the migration lock`, error);
      throw this.guardFailure;
    }
  }

  /** A 42501 of the engine's own work (history, lock), said with the missing privilege and the GRANTs. */
  private denied(what: string, error: unknown): MigratorError | undefined {
    if ((error as pg.DatabaseError).code !== INSUFFICIENT_PRIVILEGE) return undefined;
    const { missing, hint } = explainPermissionDenied(messageOf(error), this.ctx.privileges);
    return new MigratorError('PERMISSION_DENIED', `${what} failed: ${messageOf(error)} (${missing})`, { sqlstate: INSUFFICIENT_PRIVILEGE, hint, cause: error });
  }

  private async own<R extends pg.QueryResultRow = pg.QueryResultRow>(what: string, text: string, values?: unknown[]): Promise<pg.QueryResult<R>> {
    try {
      return await this.query<R>(text, values);
    } catch (error) {
      throw this.denied(what, error) ?? error;
    }
  }

  async readHistory(): Promise<History | null> {
    let result: pg.QueryResult;
    try {
      result = await this.query(`SELECT * FROM ${this.history}`);
    } catch (error) {
      // No table, or not even the plane's schema yet: nothing was ever applied here.
      const code = (error as pg.DatabaseError).code;
      if (code === '42P01' || code === '3F000') return null;
      throw this.denied(`Reading ${this.history}`, error) ?? new MigratorError('HISTORY_INVALID', `Cannot read ${this.history}: ${messageOf(error)}`, { cause: error });
    }
    return readHistoryResult(result);
  }

  async ownObjects(): Promise<readonly string[]> {
    const { rows } = await this.query<{ description: string }>(OWN_OBJECTS_SQL, [this.ctx.schema]);
    return rows.map((r) => r.description);
  }

  async prepareHistory(history: History | null): Promise<void> {
    if (history === null) {
      // CREATE SCHEMA IF NOT EXISTS checks the CREATE privilege on the database even when the schema is there.
      const { rows } = await this.query<{ present: boolean }>('SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1) AS present', [this.ctx.schema]);
      if (!rows[0]?.present) await this.own(`Creating schema ${quoteIdent(this.ctx.schema)}`, `CREATE SCHEMA IF NOT EXISTS ${quoteIdent(this.ctx.schema)}`);
      await this.own(`Creating ${this.history}`, createHistory(this.history));
      return;
    }
    const changes = history.missingColumns.map((c) => `ADD COLUMN IF NOT EXISTS ${c} ${HISTORY_COLUMNS[c]}`);
    // Timestamp versions (20240101120000) do not fit an older runner's integer column.
    if (history.narrowVersion) changes.push('ALTER COLUMN version TYPE bigint');
    if (changes.length === 0) return;
    this.logger.info('adopting schema_migrations from an older runner', { missingColumns: history.missingColumns, widenVersion: history.narrowVersion });
    await this.own(`Adopting ${this.history}`, `ALTER TABLE ${this.history} ${changes.join(', ')}`);
  }

  /** The lock protects this session's history table, whatever the plane is called (see lock.ts). */
  async withLock<T>(timeoutMs: number, fn: () => Promise<T>, onWait?: (holder: string) => void): Promise<T> {
    const lockName = migrationLockName(this.ctx.schema);
    this.applicationName = await acquireMigrationLock(this.query.bind(this), lockName, timeoutMs, this.logger, onWait, this.ctx.guard);
    this.guarding = this.ctx.guard !== undefined;
    let result: T;
    try {
      result = await fn();
    } catch (error) {
      await this.unlock(lockName).catch((unlockError: unknown) => {
        if (unlockError !== this.guardFailure) this.logger.warn('releasing the migration lock failed', { lock: lockName, error: messageOf(unlockError) });
      });
      throw error;
    }
    await this.unlock(lockName);
    return result;
  }

  private async unlock(lockName: string): Promise<void> {
    // A lost connection took the lock with it (the run's error says the connection was lost).
    if (this.lost) return;
    const guard = this.ctx.guard;
    if (!guard) return releaseMigrationLock(this.query.bind(this), lockName);
    this.guarding = false;
    if (this.status !== 'I') await this.client.query('ROLLBACK');
    const released = await guard.release(this.client);
    if (released === 'unreachable') {
      throw guard.moved(
        `the release of the migration lock kept reaching other backends than ${guard.backendPid}, which holds it and was never idle; the lock stays on that server connection of the proxy until the proxy closes it (PgBouncer: server_idle_timeout, or RECONNECT on its admin console)`,
      );
    }
    if (released === 'terminated') this.logger.warn('the migration lock was released by ending its idle backend, which the session could no longer reach', { backend: guard.backendPid });
    if (this.guardFailure) throw this.guardFailure;
    if (released === 'released') return;
    if (released === 'not-held') throw lockLost(lockName, `backend ${guard.backendPid} no longer held it when the run ended (a statement released it: pg_advisory_unlock_all(), DISCARD ALL)`);
    if (released === 'terminated') throw guard.moved(`releasing the migration lock reached another backend than ${guard.backendPid}, which holds it, so that idle backend was ended to release it`);
    throw guard.moved(`releasing the migration lock reached another backend than ${guard.backendPid} before it reached that one (it is released)`);
  }

  async split(script: MigrationScript): Promise<readonly PgStatement[]> {
    // A built registry carries the split its build computed: nothing to parse, the parser never loads.
    return restorePostgresSplit(script.sql, script.precomputedSplit) ?? splitPostgresScript(script.sql);
  }

  prepareToSplit(scripts: readonly MigrationScript[]): void {
    if (!scripts.every((script) => isOwnSplit(script.precomputedSplit))) loadPgParser().catch(() => undefined);
  }

  /** PostgreSQL's own parser already read every statement while splitting. */
  async checkSyntax(): Promise<void> {}

  /**
   * Runs `fn` in a transaction. When it fails only because a lock was not available (55P03: the DDL
   * lock_timeout expired, so application queries queued behind it waited no longer than that), the
   * transaction is rolled back and `fn` runs again after a backoff with jitter, up to the policy's
   * retries; each retry logs one line naming the sessions in the way.
   */
  async transaction<T>(fn: () => Promise<T>): Promise<T> {
    const { retries, retryBaseMs, ddlLockTimeoutMs } = this.ctx.policy;
    for (let attempt = 1; ; attempt++) {
      await this.query('BEGIN');
      let result: T;
      try {
        result = await fn();
      } catch (error) {
        // Lost with the connection, an open transaction is rolled back by the server all the same.
        await this.query('ROLLBACK').catch(() => undefined);
        if (sqlstateOf(error) !== LOCK_NOT_AVAILABLE || this.lost) throw error;
        const blockers = this.lastBlockers;
        if (attempt > retries) throw lockContention(error, attempt, ddlLockTimeoutMs, blockers, true);
        const wait = Math.round(Math.min(retryBaseMs * 2 ** (attempt - 1), 10_000) * (0.5 + Math.random()));
        this.logger.warn(`lock not available (attempt ${attempt} of ${retries + 1}); rolled back, retrying in ${wait} ms; blocked by: ${describeBlockers(blockers)}`, {
          attempt,
          retryInMs: wait,
          blockers: blockers.map((b) => b.pid),
        });
        await sleep(wait);
        continue;
      }
      try {
        await this.query('COMMIT');
      } catch (error) {
        // A COMMIT the server refused (a deferred constraint) rolled back; one cut off may have committed.
        const e = error as pg.DatabaseError;
        if (e.code === undefined) throw new CommitUnknownError(error);
        throw new MigratorError('DATABASE_ERROR', `COMMIT failed, so nothing of it stays: ${messageOf(error)}`, {
          sqlstate: e.code,
          ...(e.detail ? { detail: e.detail } : {}),
          ...(e.hint ? { hint: e.hint } : {}),
          cause: error,
        });
      }
      return result;
    }
  }

  transactionOpen(): boolean {
    return this.status !== 'I';
  }

  async rollbackOpenTransaction(): Promise<void> {
    if (this.status !== 'I') await this.query('ROLLBACK');
  }

  /**
   * Each migration starts like a fresh session: what DISCARD ALL resets, except the advisory lock it
   * would release. RESET ALL goes back to the connection's start-up values, which carry the plane's
   * `search_path` and the DDL lock_timeout; settings that could not be start-up options are applied
   * again, and the lock holder's stamped `application_name` is put back.
   */
  async resetState(): Promise<void> {
    await this.query(this.resetSql());
  }

  /**
   * The reset's statements. `mark`: a batch's timestamp column (batch.ts) ends them, in the same SELECT
   * that puts the stamped `application_name` back: a batch of 5,000 migrations runs 5,000 statements fewer.
   */
  private resetSql(mark?: string): string {
    const columns = [
      ...(mark === undefined ? [] : [mark]),
      ...(this.applicationName === undefined ? [] : [`set_config('application_name', ${this.client.escapeLiteral(this.applicationName)}, false)`]),
    ];
    const again = [...this.ctx.settingsSql, ...(columns.length > 0 ? [`SELECT ${columns.join(', ')}`] : [])].map((sql) => `; ${sql}`).join('');
    return `SET SESSION AUTHORIZATION DEFAULT; RESET ALL; CLOSE ALL; DEALLOCATE ALL; UNLISTEN *; DISCARD PLANS; DISCARD SEQUENCES; DISCARD TEMP${again}`;
  }

  /**
   * Several transactional migrations in one transaction and three round trips (batch.ts). A lock that is
   * not available, a missing privilege or any other failure rolls the batch back: the runner replays it
   * one migration at a time, where retries, blockers and permission hints work as without batches.
   */
  async applyBatch(batch: readonly BatchedMigration[]): Promise<readonly number[] | null> {
    if (this.lost) throw this.lost;
    const query = (text: string, values?: unknown[]) => this.query(text, values) as Promise<pg.QueryResult | pg.QueryResult[]>;
    const takeNotices = () => this.notices.splice(0);
    return applyPostgresBatch({ query, transactionStatus: () => this.status, takeNotices, resetAndMarkSql: this.resetSql(BATCH_MARK_COLUMN), history: this.history, alreadyExists: ALREADY_EXISTS }, batch);
  }

  private async exists(object: PgObject): Promise<boolean> {
    const { text, values } = existenceQuery(object);
    const { rows } = await this.query<{ present: boolean }>(text, values);
    return rows[0]?.present === true;
  }

  /** Runs the statement text while a second connection notes whom it waits for. */
  private async run(statement: PgStatement, text: string, long: boolean): Promise<void> {
    const { ddlLockTimeoutMs, concurrentLockTimeoutMs } = this.ctx.policy;
    const interval = long ? 1000 : Math.max(50, Math.min(1000, Math.floor(ddlLockTimeoutMs / 4)));
    const stop = this.ctx.watch.start(this.ctx.backendPid, { intervalMs: interval, narrate: long, statement: statement.index });
    let saved: string | undefined;
    try {
      if (long) {
        const { rows } = await this.query<{ saved: string }>(`SELECT current_setting('lock_timeout') AS saved, set_config('lock_timeout', $1, false)`, [String(concurrentLockTimeoutMs)]);
        saved = rows[0]!.saved;
      }
      await this.query(text, undefined, long ? 'alone' : 'statement');
    } finally {
      this.lastBlockers = await stop();
      if (saved !== undefined) await this.query(`SELECT set_config('lock_timeout', $1, false)`, [saved]).catch(() => undefined);
    }
  }

  async execute(statement: PgStatement, inTransaction: boolean): Promise<StatementOutcome> {
    this.notices = [];
    this.lastBlockers = [];
    if (statement.concurrentIndex) await this.dropInvalidIndex(statement.concurrentIndex);
    // In a transaction, a failed statement aborts it; a savepoint sent in the same round trip lets an
    // "already exists" failure be undone alone.
    const prefix = inTransaction ? 'SAVEPOINT atlas_statement;\n' : '';
    const text = inTransaction ? `${prefix}${statement.text}\n;\nRELEASE SAVEPOINT atlas_statement` : statement.text;
    const long = !inTransaction && statement.concurrently === true;
    try {
      await this.run(statement, text, long);
    } catch (error) {
      const code = (error as pg.DatabaseError).code;
      if (code && ALREADY_EXISTS.has(code)) {
        if (inTransaction) await this.query('ROLLBACK TO SAVEPOINT atlas_statement; RELEASE SAVEPOINT atlas_statement');
        return this.alreadyExists(statement, error);
      }
      const position = Number((error as pg.DatabaseError).position);
      const offset = Number.isFinite(position) && position > 0 ? position - 1 - prefix.length : undefined;
      if (code === INSUFFICIENT_PRIVILEGE) {
        const { missing, hint } = explainPermissionDenied(messageOf(error), this.ctx.privileges);
        throw statementError(error, statement, offset, `${messageOf(error)} (${missing})`, hint);
      }
      const failed = statementError(error, statement, offset);
      // Outside a transaction nothing is retried (what ran before stays): say at once who was in the way.
      if (code === LOCK_NOT_AVAILABLE && !inTransaction) {
        throw lockContention(failed, 1, long ? this.ctx.policy.concurrentLockTimeoutMs : this.ctx.policy.ddlLockTimeoutMs, this.lastBlockers, false);
      }
      throw failed;
    }
    if (statement.concurrentIndex) await this.assertIndexValid(statement, statement.concurrentIndex);
    // IF NOT EXISTS forms succeed with a notice carrying the same SQLSTATE as the error they avoid.
    const present = this.notices.filter((n) => n.code !== undefined && ALREADY_EXISTS.has(n.code)).map((n) => String(n.message));
    if (present.length === 0) return RAN;
    // Only a statement whose one action is to create that object changed nothing; with several, the others ran.
    return { alreadyExisted: statement.creates !== undefined, present };
  }

  /**
   * An "already exists" failure is swallowed only for a statement that creates one object, once the
   * catalog confirms that very object is there. A statement of several actions is refused, naming
   * which of its objects exist, because skipping it whole would silently drop the others.
   */
  private async alreadyExists(statement: PgStatement, error: unknown): Promise<StatementOutcome> {
    const said = messageOf(error);
    if (statement.creates) {
      if (await this.exists(statement.creates)) return { alreadyExisted: true, present: [said] };
      throw statementError(error, statement, undefined, `The database says something already exists (${said}), but ${describePgObject(statement.creates)}, which this statement creates, does not: it was not skipped.`);
    }
    if (statement.actions && statement.actions.length > 1) {
      const states = await Promise.all(
        statement.actions.map(async (a) => `${a.description} ${a.object === null ? '(cannot tell)' : (await this.exists(a.object)) ? 'exists' : 'does not exist'}`),
      );
      throw statementError(
        error,
        statement,
        undefined,
        `Statement ${statement.index} does ${statement.actions.length} things and part of it is already there: ${states.join('; ')}. Nothing of it ran. Split it into one statement per action (each with IF NOT EXISTS), so that what exists is skipped alone and the rest is created.`,
      );
    }
    throw statementError(error, statement, undefined);
  }

  private async invalidIndex(index: { name: string; schema: string | null }): Promise<string | null> {
    const { rows } = await this.query<{ qualified: string }>(
      `SELECT format('%I.%I', n.nspname, c.relname) AS qualified
         FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relname = $1 AND NOT i.indisvalid
          AND (n.nspname = $2 OR ($2::text IS NULL AND n.nspname = ANY (current_schemas(false))))`,
      [index.name, index.schema],
    );
    return rows[0]?.qualified ?? null;
  }

  /** A failed CONCURRENTLY build leaves an INVALID index that IF NOT EXISTS would keep forever. */
  private async dropInvalidIndex(index: { name: string; schema: string | null }): Promise<void> {
    const qualified = await this.invalidIndex(index);
    if (!qualified) return;
    this.logger.warn('dropping an INVALID index left by a failed concurrent build, to build it again', { index: qualified });
    await this.query(`DROP INDEX CONCURRENTLY IF EXISTS ${qualified}`, undefined, 'alone');
  }

  private async assertIndexValid(statement: Statement, index: { name: string; schema: string | null }): Promise<void> {
    const qualified = await this.invalidIndex(index);
    if (!qualified) return;
    throw new StatementError(`index ${qualified} is INVALID after CREATE INDEX CONCURRENTLY; it will be dropped and built again on the next run`, {
      statementIndex: statement.index,
      line: statement.line,
      column: statement.column,
      cause: undefined,
    });
  }

  async record(row: HistoryRecord): Promise<void> {
    await this.own(
      `Recording version ${row.version} in ${this.history}`,
      // The clock, not now(): rows written in one transaction (baseline's, a batch's) each get their own time.
      `INSERT INTO ${this.history} (version, name, checksum, checksum_algorithm, execution_ms, outcome, statements_checksum, applied_at) VALUES ($1, $2, $3, $4, $5, $6, $7, clock_timestamp())`,
      [row.version, row.name, row.checksum, row.checksumAlgorithm, row.executionMs, row.outcome, row.statementsChecksum],
    );
  }

  async updateChecksum(version: number, checksum: string, checksumAlgorithm: string, statementsChecksum: string): Promise<void> {
    await this.own(`Repairing version ${version} in ${this.history}`, `UPDATE ${this.history} SET checksum = $2, checksum_algorithm = $3, statements_checksum = $4 WHERE version = $1`, [
      version,
      checksum,
      checksumAlgorithm,
      statementsChecksum,
    ]);
  }

  async audit(record: AuditRecord): Promise<void> {
    const table = engineTable(this.ctx.schema, 'schema_migrations_audit');
    await this.own(
      `Creating ${table}`,
      `CREATE TABLE IF NOT EXISTS ${table} (
      id bigserial PRIMARY KEY, version bigint NOT NULL, action text NOT NULL, old_checksum text, new_checksum text NOT NULL,
      reason text NOT NULL, performed_by text NOT NULL DEFAULT current_user, performed_at timestamptz NOT NULL DEFAULT now())`,
    );
    await this.own(`Writing ${table}`, `INSERT INTO ${table} (version, action, old_checksum, new_checksum, reason) VALUES ($1, $2, $3, $4, $5)`, [
      record.version,
      record.action,
      record.oldChecksum,
      record.newChecksum,
      record.reason,
    ]);
  }

  async readSchema(): Promise<readonly SchemaObject[]> {
    return readPostgresSchema(<R,>(text: string, values?: unknown[]) => this.query(text, values).then((result) => result.rows as R[]), this.ctx.schema);
  }

  async close(): Promise<void> {
    this.ctx.onClose?.();
    await this.ctx.watch.close();
    await this.client.end();
  }
}
