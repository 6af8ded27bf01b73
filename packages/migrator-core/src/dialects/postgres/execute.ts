import type pg from 'pg';
import { RAN, StatementError, type Statement, type StatementOutcome } from '../../dialect.js';
import { messageOf } from '../../errors.js';
import type { Blocker } from './blockers.js';
import { INSUFFICIENT_PRIVILEGE, explainPermissionDenied } from './permissions.js';
import { describePgObject, existenceQuery, type PgObject } from './pg-object.js';
import type { SessionContext, SessionQuery } from './session-context.js';
import { ALREADY_EXISTS, LOCK_NOT_AVAILABLE, lockContention, statementError } from './session-errors.js';
import type { PgStatement } from './statements.js';

/**
 * One migration statement on the session: sent with a savepoint in a transaction, watched for whom it
 * waits on, an "already exists" failure swallowed only where the catalog confirms it, and a
 * CONCURRENTLY index checked valid afterwards.
 */
export class StatementExecutor {
  /** The server's notices since the current statement began (IF NOT EXISTS says what it skipped there). */
  notices: { code?: string | undefined; message?: string }[] = [];
  /** Who the last statement was seen waiting for (a lock timeout ends the wait, so this is seen during it). */
  lastBlockers: Blocker[] = [];

  constructor(
    private readonly query: SessionQuery,
    private readonly ctx: SessionContext,
  ) {}

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
        const { rows } = await this.query<{ saved: string }>(`SELECT current_setting('lock_timeout') AS saved, set_config('lock_timeout', $1, false)`, [
          String(concurrentLockTimeoutMs),
        ]);
        saved = rows[0]!.saved;
      }
      await this.query(text, undefined, long ? 'alone' : 'statement');
    } finally {
      this.lastBlockers = await stop();
      if (saved !== undefined) await this.query(`SELECT set_config('lock_timeout', $1, false)`, [saved]).catch(() => undefined);
    }
  }

  /** See `Session.execute`. */
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
    const skipped = this.notices.filter((n) => n.code !== undefined && ALREADY_EXISTS.has(n.code));
    const present = skipped.map((n) => String(n.message));
    if (present.length === 0) return RAN;
    // The server skipped the statement because the name is taken; that is the statement's own object only if
    // the catalog says so. An index name taken by a table (or by an index on another table) is not the index.
    if (statement.creates && !(await this.exists(statement.creates))) {
      throw statementError(
        Object.assign(new Error(present.join('; ')), { code: skipped[0]!.code }),
        statement,
        undefined,
        `The database skipped this statement (${present.join('; ')}), but ${describePgObject(statement.creates)}, which it creates, is not there: the ` +
          `name is taken by another object. Nothing was created; rename one of them.`,
      );
    }
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
      throw statementError(
        error,
        statement,
        undefined,
        `The database says something already exists (${said}), but ${describePgObject(statement.creates)}, which this statement creates, does not: it ` +
          `was not skipped.`,
      );
    }
    if (statement.actions && statement.actions.length > 1) {
      const states = await Promise.all(
        statement.actions.map(
          async (a) => `${a.description} ${a.object === null ? '(cannot tell)' : (await this.exists(a.object)) ? 'exists' : 'does not exist'}`,
        ),
      );
      throw statementError(
        error,
        statement,
        undefined,
        `Statement ${statement.index} does ${statement.actions.length} things and part of it is already there: ${states.join('; ')}. Nothing of it ` +
          `ran. Split it into one statement per action (each with IF NOT EXISTS), so that what exists is skipped alone and the rest is created.`,
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
    this.ctx.logger.warn('dropping an INVALID index left by a failed concurrent build, to build it again', { index: qualified });
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
}
