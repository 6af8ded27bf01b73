import { existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import {
  RAN,
  StatementError,
  historyFromRows,
  locateInStatement,
  type ConnectOptions,
  type Dialect,
  type History,
  type AuditRecord,
  type HistoryRecord,
  type NamedObject,
  type Session,
  type Statement,
  type StatementOutcome,
} from '../../dialect.js';
import { MigratorError, messageOf } from '../../errors.js';
import type { Logger } from '../../logger.js';
import type { MigrationScript } from '../../migration.js';
import { readSqliteSchema } from './catalog.js';
import { sqliteCollidingObject } from './colliding-object.js';
import type { SchemaObject } from '../../schema/schema-object.js';
import { takeWriteLock } from './lock.js';
import { sqliteSyntaxError } from './syntax.js';
import { CREATE_HISTORY, HISTORY_COLUMNS, INSERT_HISTORY_ROW, UPDATE_CHECKSUMS } from './history.js';
import { splitSqliteScript, sqliteCreatedObject, type SqliteObject } from './script.js';

const ALREADY_EXISTS = /^(duplicate column name:|.* already exists$)/;

class SqliteSession implements Session {
  readonly sqlVariant = 'sqlite' as const;
  readonly canRunOutsideTransaction = false;
  /** Foreign-key violations already in the file when the run began: not the migrations' doing. */
  private knownViolations = new Set<string>();
  /** Where `checkSyntax` prepares statements, opened on first use. */
  private scratch: Database.Database | undefined;
  /** Read before and after every statement that creates something: prepared once (SQLite re-prepares it after a schema change). */
  private readonly schemaVersionStatement: Database.Statement;

  constructor(
    private readonly db: Database.Database,
    private readonly path: string,
    private readonly logger: Logger,
  ) {
    this.schemaVersionStatement = db.prepare('PRAGMA schema_version').pluck();
  }

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

  async ownObjects(): Promise<readonly string[]> {
    const rows = this.db.prepare("SELECT type, name FROM sqlite_master WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY type, name").all() as {
      type: string;
      name: string;
    }[];
    return rows.map((r) => `${r.type} ${r.name}`);
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
   * The lock is one write transaction (BEGIN IMMEDIATE) around the whole run, waited for with the busy
   * timeout set at open; each migration is a savepoint inside it. It commits even when a migration
   * failed: that migration's savepoint was already rolled back, and the ones before it stay applied.
   *
   * Foreign-key enforcement is off for the run, as SQLite prescribes for schema changes (the table
   * rebuild procedure would otherwise cascade deletes into child rows); `PRAGMA foreign_keys` is a
   * no-op inside a transaction, so it is switched before BEGIN, and each migration is checked with
   * `PRAGMA foreign_key_check` before it is released.
   */
  async withLock<T>(timeoutMs: number, fn: () => Promise<T>, onWait?: (holder: string) => void): Promise<T> {
    const foreignKeys = this.db.pragma('foreign_keys', { simple: true }) as number;
    this.db.pragma('foreign_keys = OFF');
    try {
      takeWriteLock(this.db, this.path, timeoutMs, onWait);
      this.knownViolations = new Set(this.foreignKeyViolations().map(violationKey));
      try {
        return await fn();
      } finally {
        if (this.db.inTransaction) this.db.exec('COMMIT');
      }
    } finally {
      this.db.pragma(`foreign_keys = ${foreignKeys ? 'ON' : 'OFF'}`);
    }
  }

  async split(script: MigrationScript): Promise<readonly Statement[]> {
    return splitSqliteScript(script.sql);
  }

  /**
   * SQLite itself prepares each statement in an empty in-memory database: a syntax error fails there,
   * while "no such table" and the like only mean the statement refers to what the migrations create.
   */
  async checkSyntax(statements: readonly Statement[]): Promise<void> {
    // One scratch database for the session: every pending migration is checked before any applies.
    // Preparing runs nothing, so it stays empty.
    const scratch = (this.scratch ??= new Database(':memory:'));
    for (const statement of statements) {
      const refused = sqliteSyntaxError(scratch, statement.text);
      if (refused === null) continue;
      // Where the parser stopped, as lint says it (dialects/sqlite/syntax.ts).
      const { line, column } = locateInStatement(statement, refused.offset);
      throw new StatementError(refused.message, { statementIndex: statement.index, line, column, dbCode: refused.code, cause: new Error(refused.message) });
    }
  }

  async transaction<T>(fn: () => Promise<T>): Promise<T> {
    this.db.exec('SAVEPOINT atlas_migration');
    try {
      const result = await fn();
      this.assertForeignKeys();
      this.db.exec('RELEASE SAVEPOINT atlas_migration');
      return result;
    } catch (error) {
      // A statement that ended the run's transaction took the savepoint with it.
      if (this.db.inTransaction) this.db.exec('ROLLBACK TO SAVEPOINT atlas_migration; RELEASE SAVEPOINT atlas_migration');
      throw error;
    }
  }

  /** Enforcement is off during the run: a migration that leaves a dangling reference fails instead. */
  private assertForeignKeys(): void {
    const violations = this.foreignKeyViolations().filter((v) => !this.knownViolations.has(violationKey(v)));
    if (violations.length === 0) return;
    const shown = violations.slice(0, 5).map((v) => `${v.table} row ${v.rowid ?? '(without rowid)'} references a missing row of ${v.parent}`);
    const more = violations.length > shown.length ? `, and ${violations.length - shown.length} more` : '';
    throw new MigratorError(
      'FOREIGN_KEY_VIOLATION',
      `The migration leaves rows whose foreign keys point nowhere (PRAGMA foreign_key_check): ${shown.join('; ')}${more}`,
    );
  }

  private foreignKeyViolations(): ForeignKeyViolation[] {
    return this.db.prepare('PRAGMA foreign_key_check').all() as ForeignKeyViolation[];
  }

  transactionOpen(): boolean {
    return this.db.inTransaction;
  }

  async rollbackOpenTransaction(): Promise<void> {
    if (this.db.inTransaction) this.db.exec('ROLLBACK');
  }

  /** Settings live with the connection; the run's own (foreign keys) are restored by `withLock`. */
  async resetState(): Promise<void> {}

  private schemaVersion(): number {
    return this.schemaVersionStatement.get() as number;
  }

  private exists(object: SqliteObject): boolean {
    if (object.kind === 'column') {
      return this.db.prepare('SELECT 1 FROM pragma_table_xinfo(?) WHERE lower(name) = lower(?)').get(object.table, object.name) !== undefined;
    }
    return this.db.prepare('SELECT 1 FROM sqlite_schema WHERE type = ? AND lower(name) = lower(?)').get(object.kind, object.name) !== undefined;
  }

  async execute(statement: Statement, _inTransaction: boolean): Promise<StatementOutcome> {
    // IF NOT EXISTS forms give no sign when the object is there; an unchanged schema version does.
    const object = sqliteCreatedObject(statement.text);
    const before = object ? this.schemaVersion() : 0;
    try {
      this.db.exec(statement.sql ?? statement.text);
    } catch (error) {
      const message = messageOf(error);
      // Tolerated only when the statement creates one object and that very object is there.
      if (object && ALREADY_EXISTS.test(message) && this.exists(object)) return { alreadyExisted: true, present: [message] };
      const dbCode = (error as { code?: string }).code;
      throw new StatementError(message, {
        statementIndex: statement.index,
        line: statement.line,
        column: statement.column,
        ...(dbCode ? { dbCode } : {}),
        cause: error,
      });
    }
    if (object && this.schemaVersion() === before && this.exists(object)) return { alreadyExisted: true, present: [`${describe(object)} already exists`] };
    return RAN;
  }

  async record(row: HistoryRecord): Promise<void> {
    this.db.prepare(INSERT_HISTORY_ROW).run(row.version, row.name, row.checksum, row.checksumAlgorithm, row.executionMs, row.outcome, row.statementsChecksum);
  }

  async updateChecksum(version: number, checksum: string, checksumAlgorithm: string, statementsChecksum: string): Promise<void> {
    this.db.prepare(UPDATE_CHECKSUMS).run(checksum, checksumAlgorithm, statementsChecksum, version);
  }

  async audit(record: AuditRecord): Promise<void> {
    this.db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations_audit (
      id INTEGER PRIMARY KEY, version INTEGER NOT NULL, action TEXT NOT NULL, old_checksum TEXT, new_checksum TEXT NOT NULL,
      reason TEXT NOT NULL, performed_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')))`);
    this.db
      .prepare('INSERT INTO schema_migrations_audit (version, action, old_checksum, new_checksum, reason) VALUES (?, ?, ?, ?, ?)')
      .run(record.version, record.action, record.oldChecksum, record.newChecksum, record.reason);
  }

  async collidingObject(error: StatementError, statement: Statement | undefined): Promise<NamedObject | null> {
    return sqliteCollidingObject(this.db, error, statement);
  }

  async readSchema(): Promise<readonly SchemaObject[]> {
    return readSqliteSchema(this.db);
  }

  async close(): Promise<void> {
    this.scratch?.close();
    this.db.close();
  }
}

interface ForeignKeyViolation {
  readonly table: string;
  readonly rowid: number | null;
  readonly parent: string;
  readonly fkid: number;
}

const violationKey = (v: ForeignKeyViolation) => `${v.table}\u0000${v.rowid}\u0000${v.parent}\u0000${v.fkid}`;

function describe(object: SqliteObject): string {
  return object.kind === 'column' ? `column ${object.name} of table ${object.table}` : `${object.kind} ${object.name}`;
}

/** SQLite through better-sqlite3; the file (and its folder) is created on first apply. */
export function createSqliteDialect(options: { path: string; logger: Logger }): Dialect {
  return {
    target: options.path,
    async connect({ readOnly, lockTimeoutMs }: ConnectOptions): Promise<Session> {
      // Every access of the run, the first history read included, waits as long as the lock may.
      const timeout = Math.max(0, Math.floor(lockTimeoutMs));
      try {
        if (readOnly) {
          // A dry run must not create the file: a missing database is an empty one.
          const db = existsSync(options.path) ? new Database(options.path, { readonly: true, fileMustExist: true, timeout }) : new Database(':memory:');
          return new SqliteSession(db, options.path, options.logger);
        }
        if (options.path !== ':memory:') mkdirSync(dirname(options.path), { recursive: true });
        const db = new Database(options.path, { timeout });
        return new SqliteSession(db, options.path, options.logger);
      } catch (cause) {
        throw new MigratorError('CONNECTION_FAILED', `Cannot open SQLite database ${options.path}: ${messageOf(cause)}`, { cause });
      }
    },
  };
}
