import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import { MigratorError } from '../../errors.js';
import type { Logger } from '../../logger.js';
import { blockersOf, describeBlockers } from './blockers.js';
import type { BackendGuard } from './guard.js';
import { advisoryLockKey } from './lock-key.js';

export { advisoryLockKey, migrationLockKey, migrationLockName } from './lock-key.js';

/**
 * The migration lock: a session advisory lock on the one pinned connection that runs the migrations.
 * It protects the history table, so its key is what every run against that history shares: the
 * database (advisory locks live in the current database's lock space) and the schema-qualified
 * history table. Labels, folder names and planes play no part: two runs against one history never
 * overlap, and two planes in one database (one `public.schema_migrations`) serialise.
 */

const POLL_MS = 100;

/** Stamps the lock holder's application_name with the time it took the lock (shown to waiters). */
const STAMP =
  `set_config('application_name', left(current_setting('application_name'), 32) || ' locked ' || to_char(now() AT TIME ZONE 'UTC', ` +
  `'YYYY-MM-DD"T"HH24:MI:SS"Z"'), false)`;

type Query = <R extends pg.QueryResultRow>(text: string, values?: unknown[]) => Promise<pg.QueryResult<R>>;

/**
 * Takes the lock, polling `pg_try_advisory_lock` in autocommit for up to `timeoutMs`: a waiter
 * blocked in `pg_advisory_lock` would hold a snapshot that deadlocks the holder's CREATE INDEX
 * CONCURRENTLY. Returns the `application_name` stamped on success (so a waiter can say since when).
 */
export async function acquireMigrationLock(
  query: Query,
  lockName: string,
  timeoutMs: number,
  logger: Logger,
  onWait?: (holder: string) => void,
  guard?: BackendGuard,
): Promise<string | undefined> {
  const key = advisoryLockKey(lockName).toString();
  const deadline = Date.now() + timeoutMs;
  let waitingLogged = false;
  for (;;) {
    const { rows } = guard
      ? await query<{ here: boolean; mine: boolean; locked: boolean | null; stamped: string | null }>(guard.lockStatement(STAMP))
      : await query<{ locked: boolean; stamped: string | null }>(
          `SELECT locked, CASE WHEN locked THEN ${STAMP} END AS stamped FROM pg_try_advisory_lock($1::bigint) AS locked`,
          [key],
        );
    const row = rows[0] as { here?: boolean; mine?: boolean; locked: boolean | null; stamped: string | null } | undefined;
    if (guard && row?.here === false) throw guard.moved(`the session's backend was ${guard.backendPid}, and the lock request reached another one`);
    if (guard && row?.mine)
      throw guard.moved(
        `the session's backend ${guard.backendPid} already holds the migration lock, taken by another client of the same pooled server connection`,
      );
    if (row?.locked) return row.stamped ?? undefined;
    if (Date.now() >= deadline) {
      const holder = await describeHolder(query, key);
      throw new MigratorError(
        'LOCK_TIMEOUT',
        `Timed out after ${Math.round(timeoutMs / 1000)} s waiting for the migration lock on ${lockName.replace(/^atlas-migrations:/, '')}, held by ${holder}`,
      );
    }
    if (!waitingLogged) {
      const holder = await describeHolder(query, key);
      logger.info('another run holds the migration lock; waiting', { lock: lockName, timeoutMs, holder });
      onWait?.(holder);
      waitingLogged = true;
    }
    await sleep(Math.min(POLL_MS + Math.floor(Math.random() * POLL_MS), Math.max(1, deadline - Date.now())));
  }
}

/** Releases the lock; `false` from the server means another backend took our statements: a transaction pooler. */
export async function releaseMigrationLock(query: Query, lockName: string): Promise<void> {
  const { rows } = await query<{ unlocked: boolean }>('SELECT pg_advisory_unlock($1::bigint) AS unlocked', [advisoryLockKey(lockName).toString()]);
  if (!rows[0]?.unlocked) {
    throw lockLost(
      lockName,
      'it was not held by this session when released: a transaction-pooling proxy (such as PgBouncer in transaction mode) is between this runner and ' +
        'PostgreSQL, or a migration released it (pg_advisory_unlock_all(), DISCARD ALL). Point the migration URL at PostgreSQL directly or at a ' +
        'session-pooling port',
    );
  }
}

/** The lock was gone before the run ended; `why` says how it was found out. */
export function lockLost(lockName: string, why: string): MigratorError {
  return new MigratorError('LOCK_LOST', `The migration lock on ${lockName.replace(/^atlas-migrations:/, '')} was lost: ${why}.`);
}

/**
 * Who holds the lock: pid, application_name, client, since when; and, when the holder is itself a
 * migration stuck behind an application session, that session too (the one to act on).
 */
async function describeHolder(query: Query, key: string): Promise<string> {
  const { rows } = await query<{ pid: number; application_name: string; client_addr: string | null; backend_start: Date; state: string }>(
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
  const base = `pid ${holder.pid}${app}${from}, connected since ${new Date(holder.backend_start).toISOString()}, ${holder.state}`;
  const waitsFor = await blockersOf({ query } as unknown as pg.Client, holder.pid);
  return waitsFor.length === 0 ? base : `${base}; it is itself waiting for ${describeBlockers(waitsFor)}`;
}

/**
 * Releases the lock through a proxy (guard.ts), which may route the release to another backend than
 * the holder's: says what became of the lock, and throws when it was not released as held.
 */
export async function releaseGuardedLock(
  client: pg.Client,
  guard: BackendGuard,
  lockName: string,
  logger: Logger,
  guardFailure: MigratorError | undefined,
): Promise<void> {
  if ((client.getTransactionStatus() ?? 'I') !== 'I') await client.query('ROLLBACK');
  const released = await guard.release(client);
  if (released === 'unreachable') {
    throw guard.moved(
      `the release of the migration lock kept reaching other backends than ${guard.backendPid}, which holds it and was never idle; the lock stays on ` +
        `that server connection of the proxy until the proxy closes it (PgBouncer: server_idle_timeout, or RECONNECT on its admin console)`,
    );
  }
  if (released === 'terminated')
    logger.warn('the migration lock was released by ending its idle backend, which the session could no longer reach', { backend: guard.backendPid });
  if (guardFailure) throw guardFailure;
  if (released === 'released') return;
  if (released === 'not-held')
    throw lockLost(
      lockName,
      `backend ${guard.backendPid} no longer held it when the run ended (a statement released it: pg_advisory_unlock_all(), DISCARD ALL)`,
    );
  if (released === 'terminated')
    throw guard.moved(
      `releasing the migration lock reached another backend than ${guard.backendPid}, which holds it, so that idle backend was ended to release it`,
    );
  throw guard.moved(`releasing the migration lock reached another backend than ${guard.backendPid} before it reached that one (it is released)`);
}
