import type pg from 'pg';
import type {
  AuditRecord,
  BatchedMigration,
  History,
  HistoryRecord,
  NamedObject,
  Session,
  Statement,
  StatementError,
  StatementOutcome,
  SyntaxGrammar,
} from '../../dialect.js';
import { MigratorError, messageOf } from '../../errors.js';
import type { Logger } from '../../logger.js';
import type { MigrationScript } from '../../migration.js';
import type { SchemaObject } from '../../schema/schema-object.js';
import { BATCH_MARK_COLUMN, applyPostgresBatch } from './batch.js';
import { readPostgresSchema } from './catalog.js';
import { postgresCollidingObject } from './colliding-object.js';
import { StatementExecutor } from './execute.js';
import { GUARD_SQLSTATE } from './guard.js';
import { auditSql, recordSql, updateChecksumSql } from './history.js';
import { acquireMigrationLock, lockLost, migrationLockName, releaseGuardedLock, releaseMigrationLock } from './lock.js';
import { OWN_OBJECTS_SQL } from './own-objects.js';
import { loadPgParser } from './parser.js';
import { INSUFFICIENT_PRIVILEGE, explainPermissionDenied } from './permissions.js';
import { engineTable } from './quote.js';
import { resetSql } from './reset-sql.js';
import { PARSER_GRAMMAR_MAJOR, type SessionContext } from './session-context.js';
import { ALREADY_EXISTS, CONNECTION_LOST } from './session-errors.js';
import { prepareSessionHistory, readSessionHistory } from './session-history.js';
import { isOwnSplit, restorePostgresSplit, splitPostgresScript, type PgStatement } from './statements.js';
import { runTransaction } from './transaction.js';

export { PARSER_GRAMMAR_MAJOR, type LockPolicy, type SessionContext } from './session-context.js';

/** Connection-level states the server reports after every query (ReadyForQuery). */
type TransactionStatus = 'I' | 'T' | 'E';

/** One pinned connection to PostgreSQL: the lock, the history and every migration statement of a run. */
export class PostgresSession implements Session {
  readonly sqlVariant = 'postgres' as const;
  readonly canRunOutsideTransaction = true;
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
  /** Runs the migration statements (execute.ts); it keeps the notices and blockers of the last one. */
  private readonly statements: StatementExecutor;

  /** libpg-query's grammar, when the server is older than it: plan's syntax check may pass what the server rejects. */
  get newerGrammar(): SyntaxGrammar | undefined {
    const server = Math.floor(this.ctx.serverVersionNum / 10_000);
    return server < PARSER_GRAMMAR_MAJOR ? { parser: 'libpg-query', grammar: PARSER_GRAMMAR_MAJOR, server } : undefined;
  }

  constructor(private readonly ctx: SessionContext) {
    this.client = ctx.client;
    this.logger = ctx.logger;
    this.history = engineTable(ctx.schema);
    this.statements = new StatementExecutor(this.query.bind(this), ctx);
    this.client.on('notice', (notice) => this.statements.notices.push(notice));
    // An idle client that loses its server emits 'error'; without a listener that would crash the process.
    this.client.on('error', (error) => {
      this.lost = error;
    });
  }

  /** `how` says how a guarded session sends the text outside a transaction (guard.ts). */
  private async query<R extends pg.QueryResultRow = pg.QueryResultRow>(
    text: string,
    values?: unknown[],
    how: 'message' | 'statement' | 'alone' = 'message',
  ): Promise<pg.QueryResult<R>> {
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
        ? lockLost(
            migrationLockName(this.ctx.schema),
            `backend ${guard.backendPid} no longer held it at the run's next check (a statement released it: pg_advisory_unlock_all(), DISCARD ALL), ` +
              `so nothing more was committed`,
          )
        : guard.moved(
            `a message of this session reached backend ${/backend (\d+)/.exec(messageOf(error))?.[1] ?? '?'} instead of ${guard.backendPid}, which ` +
              `holds the migration lock`,
            error,
          );
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
    return readSessionHistory(this.query.bind(this), this.denied.bind(this), this.history);
  }

  async ownObjects(): Promise<readonly string[]> {
    const { rows } = await this.query<{ description: string }>(OWN_OBJECTS_SQL, [this.ctx.schema]);
    return rows.map((r) => r.description);
  }

  async prepareHistory(history: History | null): Promise<void> {
    await prepareSessionHistory(this.query.bind(this), this.own.bind(this), this.ctx, this.history, history);
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
    await releaseGuardedLock(this.client, guard, lockName, this.logger, this.guardFailure);
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

  /** Runs `fn` in a transaction, rolled back and run again while only a lock was not available (transaction.ts). */
  async transaction<T>(fn: () => Promise<T>): Promise<T> {
    const state = { lost: () => this.lost !== undefined, lastBlockers: () => this.statements.lastBlockers };
    return runTransaction(this.query.bind(this), this.ctx, state, fn);
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

  private resetSql(mark?: string): string {
    return resetSql(this.ctx, this.applicationName, mark);
  }

  /**
   * Several transactional migrations in one transaction and three round trips (batch.ts). A lock that is
   * not available, a missing privilege or any other failure rolls the batch back: the runner replays it
   * one migration at a time, where retries, blockers and permission hints work as without batches.
   */
  async applyBatch(batch: readonly BatchedMigration[]): Promise<readonly number[] | null> {
    if (this.lost) throw this.lost;
    const query = (text: string, values?: unknown[]) => this.query(text, values) as Promise<pg.QueryResult | pg.QueryResult[]>;
    const takeNotices = () => this.statements.notices.splice(0);
    return applyPostgresBatch(
      {
        query,
        transactionStatus: () => this.status,
        takeNotices,
        resetAndMarkSql: this.resetSql(BATCH_MARK_COLUMN),
        history: this.history,
        alreadyExists: ALREADY_EXISTS,
      },
      batch,
    );
  }

  execute(statement: PgStatement, inTransaction: boolean): Promise<StatementOutcome> {
    return this.statements.execute(statement, inTransaction);
  }

  async record(row: HistoryRecord): Promise<void> {
    const { text, values } = recordSql(this.history, row);
    await this.own(`Recording version ${row.version} in ${this.history}`, text, values);
  }

  async updateChecksum(version: number, checksum: string, checksumAlgorithm: string, statementsChecksum: string): Promise<void> {
    await this.own(`Repairing version ${version} in ${this.history}`, updateChecksumSql(this.history), [
      version,
      checksum,
      checksumAlgorithm,
      statementsChecksum,
    ]);
  }

  async audit(record: AuditRecord): Promise<void> {
    const table = engineTable(this.ctx.schema, 'schema_migrations_audit');
    const { create, insert, values } = auditSql(table, record);
    await this.own(`Creating ${table}`, create);
    await this.own(`Writing ${table}`, insert, values);
  }

  collidingObject(error: StatementError, statement: Statement | undefined): Promise<NamedObject | null> {
    return postgresCollidingObject(this.query.bind(this), this.ctx.schema, error, statement);
  }

  async readSchema(): Promise<readonly SchemaObject[]> {
    return readPostgresSchema(<R>(text: string, values?: unknown[]) => this.query(text, values).then((result) => result.rows as R[]), this.ctx.schema);
  }

  async close(): Promise<void> {
    this.ctx.onClose?.();
    await this.ctx.watch.close();
    await this.client.end();
  }
}
