import type { Logger } from './logger.js';
import type { Migration, SqlVariant } from './migration.js';
import type { Dialect } from './dialect.js';
import type { Registry } from './registry.js';
import type { ProgressEvent, RunMode } from './report.js';

export const DEFAULT_LOCK_TIMEOUT_MS = 60_000;

export interface RunOptions {
  readonly registry: Registry;
  readonly dialect: Dialect;
  readonly mode: RunMode;
  /** Required: callers choose where progress goes (`silentLogger` to drop it). */
  readonly logger: Logger;
  /** Apply pending migrations up to and including this version. */
  readonly to?: number;
  /** How long to wait for another run of the same plane to finish. Default 60 s. */
  readonly lockTimeoutMs?: number;
  /** Live progress, as it happens (connecting, waiting for the lock, each migration, long statements). */
  readonly onProgress?: (event: ProgressEvent) => void;
  /** How often a long statement reports that it is still running. Default 10 s. */
  readonly heartbeatMs?: number;
  /**
   * Whether consecutive transactional migrations may share a transaction (PostgreSQL; default true).
   * A batch keeps each migration's meaning (its deferred constraints are checked at its end, its history
   * row records its own time) except that `now()` and the transaction id are the batch's: false gives
   * every migration a transaction of its own, as SQLite always does.
   */
  readonly batch?: boolean;
  /**
   * Ends the run when it aborts: the running statement is ended on the server (PostgreSQL: its backend is
   * terminated, so its transaction rolls back and nothing unfinished is recorded), no further migration
   * starts, and the report's error has the code ABORTED.
   */
  readonly signal?: AbortSignal;
  /** The session's `application_name` (default `atlas-migrate:<plane>`), so sessions can be told apart. */
  readonly applicationName?: string;
  /** Called with what a run would apply (both modes, only when something is pending), before the lock: a rejection refuses the run. */
  readonly beforeApply?: (pending: readonly Migration[], variant: SqlVariant) => Promise<void>;
}

export const DEFAULT_HEARTBEAT_MS = 10_000;
