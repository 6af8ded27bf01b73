import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import { CommitUnknownError } from '../../dialect.js';
import { MigratorError, isMigratorError, messageOf } from '../../errors.js';
import { describeBlockers, type Blocker } from './blockers.js';
import type { SessionContext, SessionQuery } from './session-context.js';
import { LOCK_NOT_AVAILABLE, lockContention, sqlstateOf } from './session-errors.js';

/** What the retry reads of the session as it goes: whether its connection is lost, and whom its last statement waited for. */
export interface TransactionState {
  readonly lost: () => boolean;
  readonly lastBlockers: () => readonly Blocker[];
}

/**
 * Runs `fn` in a transaction. When it fails only because a lock was not available (55P03: the DDL
 * lock_timeout expired, so application queries queued behind it waited no longer than that), the
 * transaction is rolled back and `fn` runs again after a backoff with jitter, up to the policy's
 * retries; each retry logs one line naming the sessions in the way.
 */
export async function runTransaction<T>(query: SessionQuery, ctx: SessionContext, { lost, lastBlockers }: TransactionState, fn: () => Promise<T>): Promise<T> {
  const { retries, retryBaseMs, ddlLockTimeoutMs } = ctx.policy;
  for (let attempt = 1; ; attempt++) {
    await query('BEGIN');
    let result: T;
    try {
      result = await fn();
    } catch (error) {
      // Lost with the connection, an open transaction is rolled back by the server all the same.
      await query('ROLLBACK').catch(() => undefined);
      if (sqlstateOf(error) !== LOCK_NOT_AVAILABLE || lost()) throw error;
      const blockers = lastBlockers();
      if (attempt > retries) throw lockContention(error, attempt, ddlLockTimeoutMs, blockers, true);
      const wait = Math.round(Math.min(retryBaseMs * 2 ** (attempt - 1), 10_000) * (0.5 + Math.random()));
      ctx.logger.warn(
        `lock not available (attempt ${attempt} of ${retries + 1}); rolled back, retrying in ${wait} ms; blocked by: ${describeBlockers(blockers)}`,
        {
          attempt,
          retryInMs: wait,
          blockers: blockers.map((b) => b.pid),
        },
      );
      await sleep(wait);
      continue;
    }
    try {
      await query('COMMIT');
    } catch (error) {
      // The guard's check in the COMMIT's message failed (TRANSACTION_POOLER, LOCK_LOST): the COMMIT did not run, and its error says why.
      if (isMigratorError(error)) throw error;
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
