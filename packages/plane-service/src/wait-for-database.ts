import { setTimeout as sleep } from 'node:timers/promises';
import { isTransientConnectError, redactUrl } from '@atlasai/migrator-core';
import type { PinoLogger } from './logger.js';

const messageOf = (error: unknown) => redactUrl(error instanceof Error ? error.message : String(error));

/** The database did not answer within the bound: the last failure (as `cause`) and how many tries were made. */
export class DatabaseUnreachableError extends Error {
  constructor(
    message: string,
    readonly attempts: number,
    cause: unknown,
  ) {
    super(message, { cause });
    this.name = 'DatabaseUnreachableError';
  }
}

export interface WaitOptions {
  /** How long to keep trying, from the first attempt (`MIGRATION_CONNECT_WAIT_SECONDS`); 0: one attempt. */
  readonly waitMs: number;
  /** The redacted target each line names. */
  readonly target: string;
  readonly log: PinoLogger;
}

/**
 * Runs `attempt` (a first query) until it succeeds, retrying a transient failure with backoff and jitter
 * (250 ms doubling to 5 s) for up to `waitMs`, the last try at the deadline. Each failed try is one log
 * line naming the redacted target. Throws a DatabaseUnreachableError (the last failure its cause) when the
 * bound is spent or the failure is not transient.
 */
export async function waitForDatabase(attempt: () => Promise<void>, { waitMs, target, log }: WaitOptions): Promise<void> {
  const started = Date.now();
  let delay = 250;
  for (let tries = 1; ; tries++) {
    try {
      await attempt();
      if (tries > 1) log.info({ database: target, attempts: tries }, 'database reachable');
      return;
    } catch (error) {
      const remaining = waitMs - (Date.now() - started);
      const code = (error as { code?: string }).code;
      const fields = { database: target, attempt: tries, error: messageOf(error) || code || 'connection failed' };
      // The failures of a database still coming up: the engine's own list, which its migration session waits out.
      if (!isTransientConnectError(error) || remaining <= 0) throw new DatabaseUnreachableError(fields.error, tries, error);
      const wait = Math.min(remaining, Math.round(delay * (0.5 + Math.random())));
      log.warn({ ...fields, retryInMs: wait, waitSeconds: waitMs / 1000 }, `database not reachable yet: trying ${target} again in ${wait} ms`);
      await sleep(wait);
      delay = Math.min(delay * 2, 5_000);
    }
  }
}
