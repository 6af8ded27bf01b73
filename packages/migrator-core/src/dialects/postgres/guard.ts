import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import { MigratorError } from '../../errors.js';
import { advisoryLockKey } from './lock-key.js';
import { POOLER_ADVICE } from './pooler.js';

/**
 * The backend guard of a session that reaches PostgreSQL through a proxy (pooler.ts). The probe
 * before the lock refuses a transaction pooler in all but unlucky timings of a busy pool; the guard
 * makes the rest certain: every message the session sends while no transaction is open (the moment a
 * transaction pooler may hand it to another server connection) first checks, in the same message or
 * in the transaction it opens, that it runs on the backend that holds the migration lock. A message
 * that reached another backend fails before anything of it runs, and so does every later one: the
 * run ends with TRANSACTION_POOLER, and nothing is ever applied by a session that does not hold the lock.
 *
 * A transaction's COMMIT is checked too, so nothing commits after a migration released the lock.
 *
 * The one exception is a statement PostgreSQL runs only outside any transaction and alone in its
 * message (CREATE INDEX CONCURRENTLY and the like): it is checked just before and just after.
 */

/** SQLSTATE raised by the guard (a class no PostgreSQL error uses). */
export const GUARD_SQLSTATE = 'AT001';
/** How long a release that keeps reaching other backends (or finds ours busy) is tried. */
const RELEASE_MS = 5_000;
/** PostgreSQL's "cannot run inside a transaction block" (and alone in a message). */
const ACTIVE_SQL_TRANSACTION = '25001';

/** Whether the backend `pid` (an SQL expression) holds the lock `key` in this database, keyed as lock.ts keys it. */
function heldBy(key: bigint, pid: string): string {
  return `EXISTS (SELECT 1 FROM pg_locks l WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1 AND l.pid = ${pid}
            AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
            AND ((l.classid::bigint << 32) | l.objid::bigint) = ${key}::bigint)`;
}

export class BackendGuard {
  /** A DO block that raises GUARD_SQLSTATE unless it runs on `backendPid` and that backend holds the lock. */
  readonly check: string;
  private readonly key: bigint;

  constructor(
    readonly backendPid: number,
    lockName: string,
    private readonly target: string,
  ) {
    this.key = advisoryLockKey(lockName);
    this.check =
      `DO $atlas_guard$ BEGIN
  IF pg_backend_pid() <> ${backendPid} THEN
    RAISE EXCEPTION 'atlas-migrate: this message reached backend %, not the session''s backend ${backendPid}', pg_backend_pid() USING ERRCODE = '` +
      `${GUARD_SQLSTATE}';
  ELSIF NOT ${heldBy(this.key, 'pg_backend_pid()')} THEN
    RAISE EXCEPTION 'atlas-migrate: backend ${backendPid} no longer holds the migration lock' USING ERRCODE = '${GUARD_SQLSTATE}';
  END IF;
END $atlas_guard$`;
  }

  /**
   * The lock statement of a guarded session: it takes the lock only on the session's own backend, and
   * only if that backend does not hold it already (a lock there that this run did not take belongs to
   * another client of the same pooled server connection).
   */
  lockStatement(stamp: string): string {
    return `SELECT here, mine, locked, CASE WHEN locked THEN ${stamp} END AS stamped
              FROM (SELECT pg_backend_pid() = ${this.backendPid} AS here, ${heldBy(this.key, 'pg_backend_pid()')} AS mine) s,
                   LATERAL (SELECT CASE WHEN here AND NOT mine THEN pg_try_advisory_lock(${this.key}::bigint) END AS locked) l`;
  }

  /** Why the session cannot go on: its messages reach a backend other than its own. */
  moved(how: string, cause?: unknown): MigratorError {
    return new MigratorError(
      'TRANSACTION_POOLER',
      `${this.target} goes through a transaction-pooling proxy (such as PgBouncer in pool_mode = transaction): ${how}. The run stopped there; every ` +
        `migration it reported applied ran on the backend that held the migration lock, with its history row. ${POOLER_ADVICE}`,
      cause === undefined ? {} : { cause },
    );
  }

  /**
   * Sends `text` so that it runs on the guarded backend or not at all. `statement` marks a migration
   * statement sent outside a transaction: one that PostgreSQL runs only alone in its message and
   * outside any transaction (it fails with 25001 before doing anything, and the message is undone) is
   * then sent again alone, checked just before and just after; `alone` sends it so at once.
   */
  async send<R extends pg.QueryResultRow>(
    client: pg.Client,
    text: string,
    values: unknown[] | undefined,
    how: 'message' | 'statement' | 'alone' = 'message',
  ): Promise<pg.QueryResult<R>> {
    if (how === 'alone') {
      await client.query(this.check);
      const result = await client.query<R>(text, values);
      await client.query(this.check);
      return result;
    }
    if (values === undefined) {
      // One simple query: the check and the text run in one (implicit or, from a BEGIN on, explicit) transaction.
      const prefix = `${this.check};\n`;
      let results: pg.QueryResult<R>[];
      try {
        results = (await client.query(prefix + text)) as unknown as pg.QueryResult<R>[];
      } catch (error) {
        const e = error as pg.DatabaseError;
        if (how === 'statement' && e.code === ACTIVE_SQL_TRANSACTION) return this.send<R>(client, text, values, 'alone');
        // Positions in the text, as if it had been sent alone.
        if (e.position !== undefined && Number(e.position) > prefix.length) e.position = String(Number(e.position) - prefix.length);
        throw error;
      }
      const rest = results.slice(1);
      return (rest.length === 1 ? rest[0] : rest) as unknown as pg.QueryResult<R>;
    }
    // A parameterised query cannot share its message: it gets a transaction of its own, opened by the check.
    try {
      await client.query(`BEGIN;\n${this.check}`);
      const result = await client.query<R>(text, values);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
  }

  /** Commits the open transaction only if its backend still holds the lock; else it stays open, aborted. */
  async commit<R extends pg.QueryResultRow>(client: pg.Client): Promise<pg.QueryResult<R>> {
    const results = (await client.query(`${this.check};\nCOMMIT`)) as unknown as pg.QueryResult<R>[];
    return results[1]!;
  }

  /**
   * Releases the lock on the guarded backend. A release that reaches another backend asks that one to
   * end ours if it is idle (not in the middle of another client's transaction): a transaction pooler
   * would otherwise keep the lock on that server connection, blocking every later run, until it closes
   * it. Tried for a while (a busy backend soon goes idle, and the pool may hand ours back).
   */
  async release(client: pg.Client): Promise<'released' | 'released-after-moves' | 'terminated' | 'not-held' | 'unreachable'> {
    const unlock = `${this.check};\nSELECT pg_advisory_unlock(${this.key}::bigint) AS unlocked`;
    const endIfIdle = `SELECT pg_terminate_backend(a.pid) AS terminated FROM pg_stat_activity a
                        WHERE a.pid = ${this.backendPid} AND a.state = 'idle' AND ${heldBy(this.key, 'a.pid')}`;
    const deadline = Date.now() + RELEASE_MS;
    for (let attempt = 1; ; attempt++) {
      try {
        const results = (await client.query(unlock)) as unknown as pg.QueryResult<{ unlocked: boolean }>[];
        if (results[1]?.rows[0]?.unlocked !== true) return 'not-held';
        return attempt === 1 ? 'released' : 'released-after-moves';
      } catch (error) {
        if ((error as pg.DatabaseError).code !== GUARD_SQLSTATE) throw error;
        if (/no longer holds/.test((error as Error).message)) return 'not-held';
      }
      const { rows } = await client.query<{ terminated: boolean }>(endIfIdle);
      if (rows[0]?.terminated) return 'terminated';
      if (Date.now() >= deadline) return 'unreachable';
      await sleep(10 + Math.floor(Math.random() * 20));
    }
  }
}
