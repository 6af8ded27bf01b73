import type pg from 'pg';
import { StatementError, locateInStatement, type Statement } from '../../dialect.js';
import { MigratorError, messageOf } from '../../errors.js';
import { describeBlockers, type Blocker } from './blockers.js';

/** How PostgreSQL's failures read: the SQLSTATEs the session acts on, and the errors it turns them into. */

/** SQLSTATEs that mean "the object is already there": duplicate column, table, object, schema, function. */
export const ALREADY_EXISTS = new Set(['42701', '42P07', '42710', '42P06', '42723']);
/** lock_not_available: `lock_timeout` expired (or a NOWAIT lock was refused). */
export const LOCK_NOT_AVAILABLE = '55P03';

/** pg's words for a connection that is gone (such errors carry no SQLSTATE). */
export const CONNECTION_LOST = /Connection terminated|Client has encountered a connection error|not queryable|ECONNRESET|EPIPE/i;

export function seconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}

export function sqlstateOf(error: unknown): string | undefined {
  for (let e = error as { sqlstate?: string; code?: string; cause?: unknown } | undefined, depth = 0; e && depth < 5; e = e.cause as typeof e, depth++) {
    if (typeof e.sqlstate === 'string') return e.sqlstate;
    if (typeof e.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code)) return e.code;
  }
  return undefined;
}

export function statementOf(error: unknown): StatementError | undefined {
  for (let e = error as { cause?: unknown } | undefined, depth = 0; e && depth < 5; e = e.cause as typeof e, depth++) {
    if (e instanceof StatementError) return e;
  }
  return undefined;
}

export function statementError(
  error: unknown,
  statement: Statement,
  offsetInText: number | undefined,
  message = messageOf(error),
  hint?: string,
): StatementError {
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
export function lockContention(error: unknown, attempts: number, timeoutMs: number, blockers: readonly Blocker[], transactional: boolean): MigratorError {
  const at = statementOf(error);
  const where = at ? `statement ${at.statementIndex}` : 'writing schema_migrations';
  const tries =
    attempts > 1
      ? ` on each of ${attempts} attempts (the migration was rolled back after each and retried with backoff)`
      : transactional
        ? ''
        : ' (a no-transaction migration is not retried: what ran before it stays)';
  return new MigratorError(
    'LOCK_CONTENTION',
    `Lock not available: ${where} waited the whole lock_timeout of ${seconds(timeoutMs)}${tries}. Blocked by: ${describeBlockers(blockers)}.`,
    {
      sqlstate: LOCK_NOT_AVAILABLE,
      ...(at ? { statement: at.statementIndex ?? undefined, line: at.line, column: at.column } : {}),
      hint:
        'End those sessions or let them finish (an application transaction left open is the usual cause), then run again; --ddl-lock-timeout and ' +
        '--lock-retries raise the bounds.',
      cause: error,
    },
  );
}
