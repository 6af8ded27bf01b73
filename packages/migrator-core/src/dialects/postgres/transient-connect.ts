import { messageOf } from '../../errors.js';

/**
 * Failures a PostgreSQL that is still coming up gives: nothing listens yet, DNS not there yet, the server
 * starting (57P03) or out of connection slots (53300). Worth waiting out, by the engine's migration
 * session and by a service's own pool alike; any other failure (a wrong password, a database that does not
 * exist) is a configuration to fix. No driver is loaded here, so a service can ask without loading pg.
 */
const TRANSIENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', '57P03', '53300']);

export function isTransientConnectError(error: unknown): boolean {
  const code = (error as { code?: string }).code;
  if (code && TRANSIENT_CODES.has(code)) return true;
  // An AggregateError (every address of a host refused) carries the code of its parts.
  const parts = (error as { errors?: unknown[] }).errors;
  if (Array.isArray(parts) && parts.length > 0 && parts.every(isTransientConnectError)) return true;
  return /Connection terminated unexpectedly|timeout expired/i.test(messageOf(error));
}
