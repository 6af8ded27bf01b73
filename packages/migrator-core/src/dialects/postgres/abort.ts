import type pg from 'pg';
import { messageOf } from '../../errors.js';
import type { Logger } from '../../logger.js';

/**
 * Ends a session's backend when the caller's AbortSignal fires. Terminating (not cancelling) the backend
 * ends the running statement on the server, rolls back its transaction and releases the session's
 * advisory lock in one step, whatever the run was doing between statements; nothing of an unfinished
 * migration is committed or recorded. It is done from a helper connection because the session's own
 * connection is busy with the statement. Should the helper fail, the socket is destroyed, which the
 * backend notices at its next `client_connection_check_interval` check.
 * Returns the function that stops watching (called when the session closes).
 */
export function endBackendOnAbort(
  signal: AbortSignal,
  client: pg.Client,
  backendPid: number,
  openHelper: () => Promise<pg.Client>,
  logger: Logger,
): () => void {
  let closed = false;
  const onAbort = () => {
    if (closed) return;
    void (async () => {
      let helper: pg.Client | undefined;
      try {
        helper = await openHelper();
        await helper.query('SELECT pg_terminate_backend($1)', [backendPid]);
      } catch (error) {
        logger.warn('ending the aborted session from a helper connection failed; closing its socket', { backend: backendPid, error: messageOf(error) });
        // While a statement runs, pg's end() destroys the socket at once instead of waiting for it.
        void client.end().catch(() => undefined);
      } finally {
        await helper?.end().catch(() => undefined);
      }
    })();
  };
  if (signal.aborted) onAbort();
  else signal.addEventListener('abort', onAbort, { once: true });
  return () => {
    closed = true;
    signal.removeEventListener('abort', onAbort);
  };
}
