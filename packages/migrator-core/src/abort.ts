import { MigratorError, messageOf } from './errors.js';
import { toPlaneError, type PlaneError } from './report.js';

/** Why the signal aborted, in words (its reason when it is an error or a string). */
function reasonOf(signal: AbortSignal): string {
  const reason: unknown = signal.reason;
  if (typeof reason === 'string') return reason;
  const text = reason === undefined ? '' : messageOf(reason);
  return text && !/operation was aborted/i.test(text) ? text : 'the caller aborted the run';
}

/** Thrown between migrations once the run's signal has aborted. */
export function throwIfAborted(signal: AbortSignal | undefined, plane: string): void {
  if (signal?.aborted) throw new MigratorError('ABORTED', `Aborted: ${reasonOf(signal)}`, { plane });
}

/**
 * A run's failure once its signal aborted: whatever the database said as its session was ended (a
 * terminated backend, a lost connection) is the abort, keeping where it happened (version, statement).
 */
export function abortedPlaneError(signal: AbortSignal | undefined, error: PlaneError): PlaneError {
  if (!signal?.aborted || error.code === 'ABORTED') return error;
  return { ...error, code: 'ABORTED', message: `Aborted: ${reasonOf(signal)} (the database said: ${error.message})` };
}

/** The failure of a run whose signal aborted before it connected. */
export function abortedBeforeStart(signal: AbortSignal, plane: string): PlaneError {
  return toPlaneError(new MigratorError('ABORTED', `Aborted before connecting: ${reasonOf(signal)}`, { plane }));
}
