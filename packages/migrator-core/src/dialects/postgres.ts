import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadModule, parseSync } from 'libpg-query';
import pg from 'pg';
import {
  StatementError,
  historyFromRows,
  locateInStatement,
  locateInText,
  locateStatements,
  type ConnectOptions,
  type Dialect,
  type History,
  type HistoryRecord,
  type Session,
  type Statement,
  type StatementOutcome,
} from '../dialect.js';
import { MigratorError, messageOf } from '../errors.js';
import type { Logger } from '../logger.js';
import type { MigrationScript } from '../migration.js';

/** SQLSTATEs that mean "the object is already there": duplicate column, table, object, schema, function. */
const ALREADY_EXISTS = new Set(['42701', '42P07', '42710', '42P06', '42723']);
const POLL_MS = 100;

const HISTORY_COLUMNS: Record<string, string> = {
  checksum: 'text',
  checksum_algorithm: 'text',
  execution_ms: 'integer',
  outcome: "text NOT NULL DEFAULT 'applied'",
};

const CREATE_HISTORY = `CREATE TABLE IF NOT EXISTS schema_migrations (
  version integer PRIMARY KEY,
  name text NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now(),
  checksum text,
  checksum_algorithm text,
  execution_ms integer,
  outcome text NOT NULL DEFAULT 'applied'
)`;

interface PgStatement extends Statement {
  /** Set for CREATE INDEX CONCURRENTLY: the index a failed earlier build may have left INVALID. */
  readonly concurrentIndex?: { readonly name: string; readonly schema: string | null };
}

interface ParsedStmt {
  stmt_location?: number;
  stmt_len?: number;
  stmt?: { IndexStmt?: { idxname?: string; concurrent?: boolean; relation?: { schemaname?: string } } };
}

let parserReady: Promise<void> | undefined;

/** A bigint advisory-lock key derived from the lock name, stable across releases. */
export function advisoryLockKey(lockName: string): bigint {
  return BigInt.asIntN(64, createHash('sha256').update(lockName).digest().readBigUInt64BE(0));
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

function statementError(error: unknown, statement: Statement, offsetInText: number | undefined): StatementError {
  const e = error as pg.DatabaseError;
  const at = offsetInText === undefined ? { line: statement.line, column: statement.column } : locateInStatement(statement, offsetInText);
  const detail = [e.detail, e.where ? `where: ${e.where}` : undefined].filter(Boolean).join('; ');
  return new StatementError(messageOf(error), {
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
  private notices: { code?: string | undefined }[] = [];
  private lost: Error | undefined;

  constructor(
    private readonly client: pg.Client,
    private readonly logger: Logger,
  ) {
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
      result = await this.query('SELECT * FROM schema_migrations');
    } catch (error) {
      if ((error as pg.DatabaseError).code === '42P01') return null;
      throw new MigratorError('HISTORY_INVALID', `Cannot read schema_migrations: ${messageOf(error)}`, { cause: error });
    }
    return historyFromRows(new Set(result.fields.map((f) => f.name)), result.rows, Object.keys(HISTORY_COLUMNS));
  }

  async prepareHistory(history: History | null): Promise<void> {
    if (history === null) {
      await this.query(CREATE_HISTORY);
      return;
    }
    if (history.missingColumns.length === 0) return;
    this.logger.info('adopting schema_migrations from an older runner', { missingColumns: history.missingColumns });
    const adds = history.missingColumns.map((c) => `ADD COLUMN IF NOT EXISTS ${c} ${HISTORY_COLUMNS[c]}`).join(', ');
    await this.query(`ALTER TABLE schema_migrations ${adds}`);
  }

  async withLock<T>(lockName: string, timeoutMs: number, fn: () => Promise<T>): Promise<T> {
    const key = advisoryLockKey(lockName).toString();
    const deadline = Date.now() + timeoutMs;
    let waitingLogged = false;
    // Poll with pg_try_advisory_lock in autocommit: a waiter blocked in pg_advisory_lock would hold a
    // snapshot that deadlocks the holder's CREATE INDEX CONCURRENTLY.
    for (;;) {
      // On success the same round trip stamps application_name, so a waiter can say since when it is held.
      const { rows } = await this.query<{ locked: boolean }>(
        `SELECT locked, CASE WHEN locked THEN set_config('application_name',
                  left(current_setting('application_name'), 32) || ' locked ' || to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'), false) END
           FROM pg_try_advisory_lock($1::bigint) AS locked`,
        [key],
      );
      if (rows[0]?.locked) break;
      if (Date.now() >= deadline) {
        const holder = await this.describeHolder(key);
        throw new MigratorError('LOCK_TIMEOUT', `Timed out after ${Math.round(timeoutMs / 1000)} s waiting for the migration lock "${lockName}", held by ${holder}`);
      }
      if (!waitingLogged) {
        this.logger.info('another run holds the migration lock; waiting', { lock: lockName, timeoutMs });
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
    parserReady ??= loadModule();
    await parserReady;
    let parsed: { stmts?: ParsedStmt[] };
    try {
      parsed = parseSync(script.sql) as { stmts?: ParsedStmt[] };
    } catch (error) {
      const cursor = (error as { sqlDetails?: { cursorPosition?: number } }).sqlDetails?.cursorPosition;
      const at = cursor === undefined ? { line: 1, column: 1 } : locateInText(script.sql, Buffer.from(script.sql).subarray(0, cursor).toString().length);
      throw new StatementError(messageOf(error), { statementIndex: null, ...at, sqlstate: '42601', cause: error });
    }
    // libpg-query reports UTF-8 byte offsets; slice the bytes, then count characters.
    const bytes = Buffer.from(script.sql);
    const stmts = parsed.stmts ?? [];
    const chunks = stmts.map((s) => {
      const start = s.stmt_location ?? 0;
      const end = s.stmt_len === undefined ? bytes.length : start + s.stmt_len;
      return { text: bytes.subarray(start, end).toString(), offset: bytes.subarray(0, start).toString().length };
    });
    const located = locateStatements(script.sql, chunks);
    // Comment-only chunks were dropped; the parser never yields those, so indexes still line up.
    return located.map((statement, i) => {
      const index = stmts[i]?.stmt?.IndexStmt;
      if (!index?.concurrent || !index.idxname) return statement;
      return { ...statement, concurrentIndex: { name: index.idxname, schema: index.relation?.schemaname ?? null } };
    });
  }

  async transaction<T>(fn: () => Promise<T>): Promise<T> {
    await this.query('BEGIN');
    try {
      const result = await fn();
      await this.query('COMMIT');
      return result;
    } catch (error) {
      await this.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
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
        return 'already-exists';
      }
      const position = Number((error as pg.DatabaseError).position);
      throw statementError(error, statement, Number.isFinite(position) && position > 0 ? position - 1 - prefix.length : undefined);
    }
    if (statement.concurrentIndex) await this.assertIndexValid(statement, statement.concurrentIndex);
    // IF NOT EXISTS forms succeed with a notice carrying the same SQLSTATE as the error they avoid.
    return this.notices.some((n) => n.code !== undefined && ALREADY_EXISTS.has(n.code)) ? 'already-exists' : 'ok';
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
      'INSERT INTO schema_migrations (version, name, checksum, checksum_algorithm, execution_ms, outcome) VALUES ($1, $2, $3, $4, $5, $6)',
      [row.version, row.name, row.checksum, row.checksumAlgorithm, row.executionMs, row.outcome],
    );
  }

  async close(): Promise<void> {
    await this.client.end();
  }
}

/** PostgreSQL through one pinned `pg.Client` per run. */
export function createPostgresDialect(options: { url: string; redacted: string; logger: Logger; connectTimeoutMs?: number }): Dialect {
  return {
    target: options.redacted,
    async connect({ applicationName, readOnly }: ConnectOptions): Promise<Session> {
      const hasAppName = /[?&]application_name=/.test(options.url);
      const client = new pg.Client({
        connectionString: options.url,
        connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
        ...(hasAppName ? {} : { application_name: applicationName }),
        // A dry run's session cannot write, whatever the code does.
        ...(readOnly ? { options: '-c default_transaction_read_only=on' } : {}),
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
      return new PostgresSession(client, options.logger);
    },
  };
}
