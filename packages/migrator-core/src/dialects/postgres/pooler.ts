import type pg from 'pg';
import { MigratorError, messageOf } from '../../errors.js';
import type { Logger } from '../../logger.js';
import { announcedProcessId } from './pg-internals.js';

/**
 * Transaction-pooling proxies (PgBouncer `pool_mode = transaction`, and the like) hand each
 * transaction to whichever server connection is free: a session advisory lock taken through one
 * stays behind on a pooled backend, and the migrations do not run on the session that holds it.
 * This is found out before the lock is taken, in two steps:
 *
 * 1. Is anything between us and PostgreSQL? The process id the server announced at start-up
 *    (BackendKeyData) is the backend's own pid on a direct connection; a proxy announces its own.
 *    One round trip, and a direct connection stops here.
 * 2. Behind a proxy: does our session keep its backend? A second client opens a transaction (which
 *    pins a server connection in any pool mode) and our session asks for its backend pid again. In
 *    transaction mode the probe got the backend we just released, or our next statement lands on
 *    another one; in session mode our backend is ours for the whole connection.
 *
 * Step 2 can be fooled by a busy pool's timing (other clients take and hand back our backend between
 * the probe's looks), so it is not the last word: a session behind any proxy also runs guarded
 * (guard.ts), which refuses with certainty, at the first message that reaches another backend.
 */

export type Path = 'direct' | 'session-pooled';

/** Probe rounds behind a proxy; a session pooler passes all of them, a transaction pooler fails one. */
const ROUNDS = 8;
/** How long the probe keeps its transaction open while our session asks for its backend. */
const PIN_MS = 500;

export const POOLER_ADVICE =
  'Give the migration a direct PostgreSQL URL or a session-pooled one (PgBouncer pool_mode = session); for the services, set MIGRATION_DATABASE_URL to it.';

export async function checkConnectionPath(
  logger: Logger,
  client: pg.Client,
  backendPid: number,
  openProbe: () => Promise<pg.Client>,
  target: string,
): Promise<Path> {
  const announced = announcedProcessId(client);
  if (announced === backendPid) return 'direct';
  let probe: pg.Client | undefined;
  try {
    probe = await openProbe();
    // Other clients of a busy pool may take the backend we released before the probe does, and hand it
    // back to us: one clean round proves little, so several are made and any change refuses.
    for (let round = 0; round < ROUNDS; round++) {
      const probed = await probe.query<{ pid: number }>('BEGIN; SELECT pg_backend_pid() AS pid');
      const probePid = (probed as unknown as pg.QueryResult<{ pid: number }>[])[1]!.rows[0]!.pid;
      // Behind a full transaction pool our query may wait for a server connection, perhaps the very one
      // the probe pins: the probe lets go after a moment, so that no runner waits on its own probe.
      const letGo = setTimeout(() => void probe!.query('ROLLBACK').catch(() => undefined), PIN_MS);
      let again: number;
      try {
        again = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
      } finally {
        clearTimeout(letGo);
      }
      await probe.query('ROLLBACK');
      if (probePid === backendPid || again !== backendPid) {
        throw new MigratorError(
          'TRANSACTION_POOLER',
          `${target} goes through a transaction-pooling proxy (such as PgBouncer in pool_mode = transaction): statements of one session reach ` +
            `different PostgreSQL backends (backend ${backendPid}, then ` +
            `${probePid === backendPid ? `another client's transaction on ${probePid}` : again}), so the migration lock could not protect anything ` +
            `and would leak into the pool. Nothing was run. ${POOLER_ADVICE}`,
        );
      }
    }
    return 'session-pooled';
  } catch (error) {
    if (error instanceof MigratorError) throw error;
    // A full pool (every server connection taken, as by other runners' sessions behind a session
    // pooler) has none for the probe: waiting for one could wait for ever, and the guard (guard.ts)
    // keeps the run safe without the probe's answer.
    if (/Query read timeout/.test(messageOf(error))) {
      logger.warn(
        "the proxy had no server connection free for the pooler check within its time; going on, with every message checked to reach this session's backend",
        { backend: backendPid },
      );
      return 'session-pooled';
    }
    throw new MigratorError(
      'TRANSACTION_POOLER',
      `${target} goes through a proxy (the server announced process ${announced}, the backend is ${backendPid}), and checking whether it keeps a ` +
        `session on one backend failed: ${messageOf(error)}. Nothing was run. ${POOLER_ADVICE}`,
      { cause: error },
    );
  } finally {
    await probe?.end().catch(() => undefined);
  }
}
