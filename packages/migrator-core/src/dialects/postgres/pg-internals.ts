import type pg from 'pg';

/**
 * The only place the engine reads a `pg.Client` where pg offers no public API. pg 8.23 does not document the
 * field it reads; test/pg-internals.test.ts checks it against a real server, so a pg release that changes
 * it fails that test rather than a run. Everything else goes through pg's public API: the transaction
 * status after each statement is `client.getTransactionStatus()` (public since pg 8.21), and
 * `client.end()` destroys the socket at once while a query runs.
 */

/**
 * The process id the server announced at start-up (BackendKeyData): the backend's own pid on a direct
 * connection, a proxy's on a pooled one. pg keeps it (for query cancellation) in `processID`. `null`
 * when it is not a number (a pg that no longer keeps it, or pg-native): the pooler check then treats the
 * connection as one through a proxy, the safe side.
 */
export function announcedProcessId(client: pg.Client): number | null {
  const value = (client as unknown as { processID?: unknown }).processID;
  return typeof value === 'number' ? value : null;
}
