import type pg from 'pg';
import type { Logger } from '../../logger.js';
import type { BlockerWatch } from './blockers.js';
import type { BackendGuard } from './guard.js';
import type { PrivilegeContext } from './permissions.js';

/** What a PostgreSQL session is made of, and the one way its parts send SQL. */

/** How long statements may wait for locks, and what happens when they cannot get them. */
export interface LockPolicy {
  /** `lock_timeout` of every migration statement (and of the engine's own). */
  readonly ddlLockTimeoutMs: number;
  /** How many times a transactional migration that hit 55P03 is rolled back and run again. */
  readonly retries: number;
  /** First backoff delay; doubled per retry (capped at 10 s), with ±50 % jitter. */
  readonly retryBaseMs: number;
  /** `lock_timeout` of CONCURRENTLY statements in a no-transaction migration (they wait for old transactions by design). */
  readonly concurrentLockTimeoutMs: number;
}

export interface SessionContext {
  readonly client: pg.Client;
  readonly logger: Logger;
  readonly schema: string;
  readonly backendPid: number;
  readonly privileges: PrivilegeContext;
  readonly policy: LockPolicy;
  /** Statements that restore the session's own settings after RESET ALL (start-up options refused, version-dependent ones). */
  readonly settingsSql: readonly string[];
  readonly watch: BlockerWatch;
  /** Behind a proxy: every message sent outside a transaction checks it reached the lock holder (guard.ts). */
  readonly guard?: BackendGuard;
  /** Called when the session closes (stops watching the run's AbortSignal). */
  readonly onClose?: () => void;
  /** The server's `server_version_num` (150008 for 15.8). */
  readonly serverVersionNum: number;
}

/** How the session sends SQL: `how` says how a guarded session sends it outside a transaction (guard.ts). */
export type SessionQuery = <R extends pg.QueryResultRow = pg.QueryResultRow>(
  text: string,
  values?: unknown[],
  how?: 'message' | 'statement' | 'alone',
) => Promise<pg.QueryResult<R>>;

/** The major version of the PostgreSQL grammar libpg-query implements: its own major (18.x parses as PostgreSQL 18). */
export const PARSER_GRAMMAR_MAJOR = 18;
