import { existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { splitQuery, sqliteSplitterOptions } from 'dbgate-query-splitter';
import {
  StatementError,
  historyFromRows,
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

const ALREADY_EXISTS = /^(duplicate column name:|.* already exists$)/;
const CREATES_SCHEMA = /^(CREATE|ALTER)\b/i;

const HISTORY_COLUMNS: Record<string, string> = {
  checksum: 'TEXT',
  checksum_algorithm: 'TEXT',
  execution_ms: 'INTEGER',
  outcome: "TEXT NOT NULL DEFAULT 'applied'",
};

const CREATE_HISTORY = `CREATE TABLE IF NOT EXISTS schema_migrations (
  version INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f+00', 'now')),
  checksum TEXT,
  checksum_algorithm TEXT,
  execution_ms INTEGER,
  outcome TEXT NOT NULL DEFAULT 'applied'
)`;

interface RichChunk {
  text: string;
  /** Where `text` (already trimmed by the splitter) starts in the file. */
  trimStart: { position: number };
}

class SqliteSession implements Session {
  readonly sqlVariant = 'sqlite' as const;

  constructor(
    private readonly db: Database.Database,
    private readonly path: string,
    private readonly logger: Logger,
  ) {}

  async readHistory(): Promise<History | null> {
    let rows: Record<string, unknown>[];
    let columns: Set<string>;
    try {
      const stmt = this.db.prepare('SELECT * FROM schema_migrations');
      rows = stmt.all() as Record<string, unknown>[];
      // Only after a step: preparing may use a schema cached before another process altered the table.
      columns = new Set(stmt.columns().map((c) => c.name));
    } catch (error) {
      if (/^no such table/.test(messageOf(error))) return null;
      throw new MigratorError('HISTORY_INVALID', `Cannot read schema_migrations: ${messageOf(error)}`, { cause: error });
    }
    return historyFromRows(columns, rows, Object.keys(HISTORY_COLUMNS));
  }

  async prepareHistory(history: History | null): Promise<void> {
    if (history === null) {
      this.db.exec(CREATE_HISTORY);
      return;
    }
    if (history.missingColumns.length > 0) {
      this.logger.info('adopting schema_migrations from an older runner', { missingColumns: history.missingColumns });
    }
    for (const column of history.missingColumns) this.db.exec(`ALTER TABLE schema_migrations ADD COLUMN ${column} ${HISTORY_COLUMNS[column]}`);
  }

  /**
   * The lock is one write transaction (BEGIN IMMEDIATE) around the whole run, waited for with a busy
   * timeout; each migration is a savepoint inside it. It commits even when a migration failed: that
   * migration's savepoint was already rolled back, and the ones before it stay applied.
   */
  async withLock<T>(_lockName: string, timeoutMs: number, fn: () => Promise<T>): Promise<T> {
    this.db.pragma(`busy_timeout = ${Math.max(0, Math.floor(timeoutMs))}`);
    try {
      this.db.exec('BEGIN IMMEDIATE');
    } catch (error) {
      if ((error as { code?: string }).code?.startsWith('SQLITE_BUSY')) {
        throw new MigratorError('LOCK_TIMEOUT', `Timed out after ${Math.round(timeoutMs / 1000)} s waiting for the write lock on ${this.path}, held by another process migrating or writing this file`, { cause: error });
      }
      throw error;
    }
    try {
      return await fn();
    } finally {
      if (this.db.inTransaction) this.db.exec('COMMIT');
    }
  }

  async split(script: MigrationScript): Promise<readonly Statement[]> {
    const chunks = splitQuery(script.sql, { ...sqliteSplitterOptions, returnRichInfo: true }) as unknown as RichChunk[];
    return locateStatements(script.sql, chunks.map((c) => ({ text: c.text, offset: c.trimStart.position })));
  }

  async transaction<T>(fn: () => Promise<T>): Promise<T> {
    this.db.exec('SAVEPOINT atlas_migration');
    try {
      const result = await fn();
      this.db.exec('RELEASE SAVEPOINT atlas_migration');
      return result;
    } catch (error) {
      this.db.exec('ROLLBACK TO SAVEPOINT atlas_migration; RELEASE SAVEPOINT atlas_migration');
      throw error;
    }
  }

  private schemaVersion(): number {
    return this.db.pragma('schema_version', { simple: true }) as number;
  }

  async execute(statement: Statement, _inTransaction: boolean): Promise<StatementOutcome> {
    // IF NOT EXISTS forms give no sign when the object is there; an unchanged schema version does.
    const ddl = CREATES_SCHEMA.test(statement.text);
    const before = ddl ? this.schemaVersion() : 0;
    try {
      this.db.exec(statement.text);
    } catch (error) {
      if (ALREADY_EXISTS.test(messageOf(error))) return 'already-exists';
      const dbCode = (error as { code?: string }).code;
      throw new StatementError(messageOf(error), {
        statementIndex: statement.index,
        line: statement.line,
        column: statement.column,
        ...(dbCode ? { dbCode } : {}),
        cause: error,
      });
    }
    return ddl && this.schemaVersion() === before ? 'already-exists' : 'ok';
  }

  async record(row: HistoryRecord): Promise<void> {
    this.db
      .prepare('INSERT INTO schema_migrations (version, name, checksum, checksum_algorithm, execution_ms, outcome) VALUES (?, ?, ?, ?, ?, ?)')
      .run(row.version, row.name, row.checksum, row.checksumAlgorithm, row.executionMs, row.outcome);
  }

  async close(): Promise<void> {
    this.db.close();
  }
}

/** SQLite through better-sqlite3; the file (and its folder) is created on first apply. */
export function createSqliteDialect(options: { path: string; logger: Logger }): Dialect {
  return {
    target: options.path,
    async connect({ readOnly }: ConnectOptions): Promise<Session> {
      try {
        if (readOnly) {
          // A dry run must not create the file: a missing database is an empty one.
          const db = existsSync(options.path) ? new Database(options.path, { readonly: true, fileMustExist: true }) : new Database(':memory:');
          return new SqliteSession(db, options.path, options.logger);
        }
        if (options.path !== ':memory:') mkdirSync(dirname(options.path), { recursive: true });
        const db = new Database(options.path);
        return new SqliteSession(db, options.path, options.logger);
      } catch (cause) {
        throw new MigratorError('CONNECTION_FAILED', `Cannot open SQLite database ${options.path}: ${messageOf(cause)}`, { cause });
      }
    },
  };
}
