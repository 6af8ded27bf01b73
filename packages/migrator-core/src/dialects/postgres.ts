import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import {
  CommitUnknownError,
  RAN,
  StatementError,
  historyFromRows,
  locateInStatement,
  type ConnectOptions,
  type Dialect,
  type History,
  type AuditRecord,
  type BatchedMigration,
  type HistoryRecord,
  type Session,
  type Statement,
  type StatementOutcome,
} from '../dialect.js';
import { MigratorError, messageOf } from '../errors.js';
import type { Logger } from '../logger.js';
import type { MigrationScript } from '../migration.js';
import { readPostgresSchema } from '../schema/postgres-catalog.js';
import type { SchemaObject } from '../schema/schema-object.js';
import { applyPostgresBatch } from './postgres-batch.js';
import { describePgObject, existenceQuery, splitPostgresScript, type PgObject, type PgStatement } from './postgres-statements.js';

/** SQLSTATEs that mean "the object is already there": duplicate column, table, object, schema, function. */
const ALREADY_EXISTS = new Set(['42701', '42P07', '42710', '42P06', '42723']);
const POLL_MS = 100;

const HISTORY_COLUMNS: Record<string, string> = {
  checksum: 'text',
  checksum_algorithm: 'text',
  execution_ms: 'integer',
  outcome: "text NOT NULL DEFAULT 'applied'",
};

/** The default schema a plane owns: its history table and, through `search_path`, its migrations' objects. */
export const DEFAULT_SCHEMA = 'public';

const createHistory = (table: string) => `CREATE TABLE IF NOT EXISTS ${table} (
  version bigint PRIMARY KEY,
  name text NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now(),
  checksum text,
  checksum_algorithm text,
  execution_ms integer,
  outcome text NOT NULL DEFAULT 'applied'
)`;

/** pg's type id of `integer`: a history made with it cannot hold timestamp versions. */
const INT4_OID = 23;
/** Connection-level states the server reports after every query (ReadyForQuery). */
type TransactionStatus = 'I' | 'T' | 'E';

/** A bigint advisory-lock key derived from the lock name, stable across releases. */
export function advisoryLockKey(lockName: string): bigint {
  return BigInt.asIntN(64, createHash('sha256').update(lockName).digest().readBigUInt64BE(0));
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

function statementError(error: unknown, statement: Statement, offsetInText: number | undefined, message = messageOf(error)): StatementError {
  const e = error as pg.DatabaseError;
  const at = offsetInText === undefined ? { line: statement.line, column: statement.column } : locateInStatement(statement, offsetInText);
  const detail = [e.detail, e.where ? `where: ${e.where}` : undefined].filter(Boolean).join('; ');
  return new StatementError(message, {
    statementIndex: statement.index,
    ...at,
    ...(e.code ? { sqlstate: e.code } : {}),
    ...(detail ? { detail } : {}),
    ...(e.hint ? { hint: e.hint } : {}),
    cause: error,
  });
}

class PostgresSession implements Session {
  readonly sqlVariant = 'postgres' as const;
  readonly canRunOutsideTransaction = true;
  private notices: { code?: string | undefined; message?: string }[] = [];
  private lost: Error | undefined;
  private status: TransactionStatus = 'I';
  /** `application_name` as the lock holder stamped it, restored after each migration's reset. */
  private applicationName: string | undefined;
  /** The schema-qualified history table. */
  private readonly history: string;

  constructor(
    private readonly client: pg.Client,
    private readonly logger: Logger,
    private readonly schema: string,
  ) {
    this.history = `${quoteIdent(schema)}.schema_migrations`;
    // The server says after every query whether a transaction is open: the truth about what committed.
    (client as unknown as { connection: { on(event: 'readyForQuery', fn: (msg: { status: TransactionStatus }) => void): void } }).connection.on('readyForQuery', (msg) => {
      this.status = msg.status;
    });
    client.on('notice', (notice) => this.notices.push(notice));
    // An idle client that loses its server emits 'error'; without a listener that would crash the process.
    client.on('error', (error) => {
      this.lost = error;
    });
  }

  private async query<R extends pg.QueryResultRow = pg.QueryResultRow>(text: string, values?: unknown[]): Promise<pg.QueryResult<R>> {
    if (this.lost) throw this.lost;
    return this.client.query<R>(text, values);
  }

  async readHistory(): Promise<History | null> {
    let result: pg.QueryResult;
    try {
      result = await this.query(`SELECT * FROM ${this.history}`);
    } catch (error) {
      // No table, or not even the plane's schema yet: nothing was ever applied here.
      const code = (error as pg.DatabaseError).code;
      if (code === '42P01' || code === '3F000') return null;
      throw new MigratorError('HISTORY_INVALID', `Cannot read ${this.history}: ${messageOf(error)}`, { cause: error });
    }
    const version = result.fields.find((f) => f.name === 'version');
    return historyFromRows(new Set(result.fields.map((f) => f.name)), result.rows, Object.keys(HISTORY_COLUMNS), version?.dataTypeID === INT4_OID);
  }

  async prepareHistory(history: History | null): Promise<void> {
    if (history === null) {
      // CREATE SCHEMA IF NOT EXISTS checks the CREATE privilege on the database even when the schema is there.
      const { rows } = await this.query<{ present: boolean }>('SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1) AS present', [this.schema]);
      if (!rows[0]?.present) await this.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(this.schema)}`);
      await this.query(createHistory(this.history));
      return;
    }
    const changes = history.missingColumns.map((c) => `ADD COLUMN IF NOT EXISTS ${c} ${HISTORY_COLUMNS[c]}`);
    // Timestamp versions (20240101120000) do not fit an older runner's integer column.
    if (history.narrowVersion) changes.push('ALTER COLUMN version TYPE bigint');
    if (changes.length === 0) return;
    this.logger.info('adopting schema_migrations from an older runner', { missingColumns: history.missingColumns, widenVersion: history.narrowVersion });
    await this.query(`ALTER TABLE ${this.history} ${changes.join(', ')}`);
  }

  async withLock<T>(lockName: string, timeoutMs: number, fn: () => Promise<T>, onWait?: (holder: string) => void): Promise<T> {
    const key = advisoryLockKey(lockName).toString();
    const deadline = Date.now() + timeoutMs;
    let waitingLogged = false;
    // Poll with pg_try_advisory_lock in autocommit: a waiter blocked in pg_advisory_lock would hold a
    // snapshot that deadlocks the holder's CREATE INDEX CONCURRENTLY.
    for (;;) {
      // On success the same round trip stamps application_name, so a waiter can say since when it is held.
      const { rows } = await this.query<{ locked: boolean; stamped: string | null }>(
        `SELECT locked, CASE WHEN locked THEN set_config('application_name',
                  left(current_setting('application_name'), 32) || ' locked ' || to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'), false) END AS stamped
           FROM pg_try_advisory_lock($1::bigint) AS locked`,
        [key],
      );
      if (rows[0]?.locked) {
        this.applicationName = rows[0].stamped ?? undefined;
        break;
      }
      if (Date.now() >= deadline) {
        const holder = await this.describeHolder(key);
        throw new MigratorError('LOCK_TIMEOUT', `Timed out after ${Math.round(timeoutMs / 1000)} s waiting for the migration lock "${lockName}", held by ${holder}`);
      }
      if (!waitingLogged) {
        const holder = await this.describeHolder(key);
        this.logger.info('another run holds the migration lock; waiting', { lock: lockName, timeoutMs, holder });
        onWait?.(holder);
        waitingLogged = true;
      }
      await sleep(Math.min(POLL_MS + Math.floor(Math.random() * POLL_MS), Math.max(1, deadline - Date.now())));
    }
    let result: T;
    try {
      result = await fn();
    } catch (error) {
      await this.unlock(key, lockName).catch((unlockError: unknown) => this.logger.warn('releasing the migration lock failed', { lock: lockName, error: messageOf(unlockError) }));
      throw error;
    }
    await this.unlock(key, lockName);
    return result;
  }

  private async unlock(key: string, lockName: string): Promise<void> {
    const { rows } = await this.query<{ unlocked: boolean }>('SELECT pg_advisory_unlock($1::bigint) AS unlocked', [key]);
    if (!rows[0]?.unlocked) {
      throw new MigratorError(
        'LOCK_LOST',
        `The migration lock "${lockName}" was not held by this session when released: a transaction-pooling proxy (such as PgBouncer in transaction mode) is between this runner and PostgreSQL. Point the migration URL at PostgreSQL directly or at a session-pooling port.`,
      );
    }
  }

  private async describeHolder(key: string): Promise<string> {
    const { rows } = await this.query<{ pid: number; application_name: string; client_addr: string | null; backend_start: Date; state: string }>(
      `SELECT a.pid, a.application_name, host(a.client_addr) AS client_addr, a.backend_start, a.state
         FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
        WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
          AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
          AND ((l.classid::bigint << 32) | l.objid::bigint) = $1::bigint`,
      [key],
    );
    const holder = rows[0];
    if (!holder) return 'a session that has since released it';
    const app = holder.application_name ? ` (${holder.application_name})` : '';
    const from = holder.client_addr ? ` from ${holder.client_addr}` : '';
    return `pid ${holder.pid}${app}${from}, connected since ${new Date(holder.backend_start).toISOString()}, ${holder.state}`;
  }

  async split(script: MigrationScript): Promise<readonly PgStatement[]> {
    return splitPostgresScript(script.sql);
  }

  /** PostgreSQL's own parser already read every statement while splitting. */
  async checkSyntax(): Promise<void> {}

  async transaction<T>(fn: () => Promise<T>): Promise<T> {
    await this.query('BEGIN');
    let result: T;
    try {
      result = await fn();
    } catch (error) {
      // Lost with the connection, an open transaction is rolled back by the server all the same.
      await this.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
    try {
      await this.query('COMMIT');
    } catch (error) {
      // A COMMIT the server refused (a deferred constraint) rolled back; one cut off may have committed.
      if ((error as pg.DatabaseError).code === undefined) throw new CommitUnknownError(error);
      throw error;
    }
    return result;
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
   * `search_path`; the lock holder's stamped `application_name` is put back.
   */
  async resetState(): Promise<void> {
    await this.query(this.resetSql());
  }

  private resetSql(): string {
    const app = this.applicationName === undefined ? '' : `; SELECT set_config('application_name', ${this.client.escapeLiteral(this.applicationName)}, false)`;
    return `SET SESSION AUTHORIZATION DEFAULT; RESET ALL; CLOSE ALL; DEALLOCATE ALL; UNLISTEN *; DISCARD PLANS; DISCARD SEQUENCES; DISCARD TEMP${app}`;
  }

  /** Several transactional migrations in one transaction and three round trips (postgres-batch.ts). */
  async applyBatch(batch: readonly BatchedMigration[]): Promise<readonly number[] | null> {
    const query = (text: string, values?: unknown[]) => this.query(text, values) as Promise<pg.QueryResult | pg.QueryResult[]>;
    const takeNotices = () => this.notices.splice(0);
    return applyPostgresBatch({ query, transactionStatus: () => this.status, takeNotices, resetSql: this.resetSql(), history: this.history, alreadyExists: ALREADY_EXISTS }, batch);
  }

  private async exists(object: PgObject): Promise<boolean> {
    const { text, values } = existenceQuery(object);
    const { rows } = await this.query<{ present: boolean }>(text, values);
    return rows[0]?.present === true;
  }

  async execute(statement: PgStatement, inTransaction: boolean): Promise<StatementOutcome> {
    this.notices = [];
    if (statement.concurrentIndex) await this.dropInvalidIndex(statement.concurrentIndex);
    // In a transaction, a failed statement aborts it; a savepoint sent in the same round trip lets an
    // "already exists" failure be undone alone.
    const prefix = inTransaction ? 'SAVEPOINT atlas_statement;\n' : '';
    const text = inTransaction ? `${prefix}${statement.text}\n;\nRELEASE SAVEPOINT atlas_statement` : statement.text;
    try {
      await this.query(text);
    } catch (error) {
      const code = (error as pg.DatabaseError).code;
      if (code && ALREADY_EXISTS.has(code)) {
        if (inTransaction) await this.query('ROLLBACK TO SAVEPOINT atlas_statement; RELEASE SAVEPOINT atlas_statement');
        return this.alreadyExists(statement, error);
      }
      const position = Number((error as pg.DatabaseError).position);
      throw statementError(error, statement, Number.isFinite(position) && position > 0 ? position - 1 - prefix.length : undefined);
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
    await this.query(`DROP INDEX CONCURRENTLY IF EXISTS ${qualified}`);
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
    await this.query(
      `INSERT INTO ${this.history} (version, name, checksum, checksum_algorithm, execution_ms, outcome) VALUES ($1, $2, $3, $4, $5, $6)`,
      [row.version, row.name, row.checksum, row.checksumAlgorithm, row.executionMs, row.outcome],
    );
  }

  async updateChecksum(version: number, checksum: string, checksumAlgorithm: string): Promise<void> {
    await this.query(`UPDATE ${this.history} SET checksum = $2, checksum_algorithm = $3 WHERE version = $1`, [version, checksum, checksumAlgorithm]);
  }

  async audit(record: AuditRecord): Promise<void> {
    const table = `${quoteIdent(this.schema)}.schema_migrations_audit`;
    await this.query(`CREATE TABLE IF NOT EXISTS ${table} (
      id bigserial PRIMARY KEY, version bigint NOT NULL, action text NOT NULL, old_checksum text, new_checksum text NOT NULL,
      reason text NOT NULL, performed_by text NOT NULL DEFAULT current_user, performed_at timestamptz NOT NULL DEFAULT now())`);
    await this.query(`INSERT INTO ${table} (version, action, old_checksum, new_checksum, reason) VALUES ($1, $2, $3, $4, $5)`, [
      record.version,
      record.action,
      record.oldChecksum,
      record.newChecksum,
      record.reason,
    ]);
  }

  async readSchema(): Promise<readonly SchemaObject[]> {
    return readPostgresSchema(<R,>(text: string, values?: unknown[]) => this.query(text, values).then((result) => result.rows as R[]), this.schema);
  }

  async close(): Promise<void> {
    await this.client.end();
  }
}

/** PostgreSQL through one pinned `pg.Client` per run. */
export function createPostgresDialect(options: { url: string; redacted: string; logger: Logger; connectTimeoutMs?: number; schema?: string }): Dialect {
  const schema = options.schema ?? DEFAULT_SCHEMA;
  return {
    target: options.redacted,
    async connect({ applicationName, readOnly }: ConnectOptions): Promise<Session> {
      const hasAppName = /[?&]application_name=/.test(options.url);
      // Start-up options outrank a role's or database's own settings (ALTER ROLE … SET search_path), and
      // RESET ALL returns to them: every migration starts in the plane's schema.
      // pg lets a URL's `options` replace the ones given beside it, which would drop the plane's search_path
      // and a dry run's read-only flag: take them out of the URL and put them first, so ours win.
      const url = new URL(options.url);
      const fromUrl = url.searchParams.get('options');
      url.searchParams.delete('options');
      const startup = [fromUrl ?? '', `-c search_path=${quoteIdent(schema).replace(/[\\ ]/g, '\\$&')}`].filter(Boolean);
      // A dry run's session cannot write, whatever the code does.
      if (readOnly) startup.push('-c default_transaction_read_only=on');
      const client = new pg.Client({
        connectionString: fromUrl === null ? options.url : url.toString(),
        connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
        ...(hasAppName ? {} : { application_name: applicationName }),
        options: startup.join(' '),
      });
      client.on('error', () => undefined);
      try {
        await client.connect();
      } catch (cause) {
        await client.end().catch(() => undefined);
        throw new MigratorError('CONNECTION_FAILED', `Cannot connect to ${options.redacted}: ${messageOf(cause) || (cause as { code?: string }).code || 'connection failed'}`, {
          cause,
        });
      }
      return new PostgresSession(client, options.logger, schema);
    },
  };
}
