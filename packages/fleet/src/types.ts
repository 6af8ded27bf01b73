import type { Logger, Registry } from '@atlasai/migrator-core';

/** The version of every JSON document below; bumped only when a field changes meaning or disappears. */
export const FLEET_SCHEMA_VERSION = 1;

/** One list of item states for the CLI, the page, the JSON and the bench. */
export const ITEM_STATES = ['queued', 'running', 'retrying', 'succeeded', 'failed', 'timed_out', 'unreachable', 'skipped', 'cancelled'] as const;
export type ItemState = (typeof ITEM_STATES)[number];
/** `apply` migrates; `plan` is a dry run per tenant; `scan` reads history and checks drift. Both of the latter are read-only. */
export type RunMode = 'apply' | 'plan' | 'scan';
/** `halted`: a wave finished over its failure budget; the run waits for `resume` or `retry`. */
export type RunState = 'running' | 'paused' | 'halted' | 'succeeded' | 'failed' | 'cancelled';

export interface RunSpec {
  mode: RunMode;
  /** e.g. `canary=tag:internal,1%,10%,100%`; percentages are cumulative over the tenants outside the canary. Default `100%`. */
  waves?: string;
  /** Fraction of a wave's items that may fail before the run halts; default 0.02 (the canary's is always 0). */
  failureBudget?: number;
  filter?: { tags?: string[]; statuses?: string[]; ids?: string[] };
  createdBy?: string;
}

export interface WaveSummary {
  index: number;
  name: string;
  total: number;
  counts: Record<ItemState, number>;
  state: 'pending' | 'running' | 'done' | 'halted';
}

export interface RunSummary {
  schemaVersion: number;
  id: string;
  mode: RunMode;
  state: RunState;
  createdAt: string;
  finishedAt: string | null;
  total: number;
  counts: Record<ItemState, number>;
  waves: WaveSummary[];
  /** Items finished per minute over the last few minutes of this run; null before any finished. */
  throughputPerMinute: number | null;
  etaSeconds: number | null;
  /** How this run's jobs are sent, retried and expired, fixed at its creation (null: a run created before runs carried one). */
  jobPolicy: JobPolicy | null;
  /** The longest a dead replica's tenant waits for another replica, from the lost attempt's start (docs/fleet.md). */
  takeoverBoundSeconds: number | null;
}

/**
 * A run's job policy, fixed when the run is created from the creating process's settings and stored on the
 * run: every send of its jobs, by any process, uses it, and every replica works its tenants with it.
 */
export interface JobPolicy {
  tenantDeadlineMs: number;
  /** Attempts per tenant for transient failures. */
  attempts: number;
  /** pg-boss expiry of each job: longer than the deadline, so that only a dead replica's job expires. */
  expireInSeconds: number;
  /** pg-boss retries of each job: attempts + 1 (two spare retries for expiries). */
  retryLimit: number;
  retryDelaySeconds: number;
  retryBackoff: boolean;
  /** How often every replica working this run expires dead replicas' jobs and reconciles their items. */
  maintenanceIntervalSeconds: number;
}

export interface TenantItemError {
  code: string;
  message: string;
  version?: number;
  statement?: number;
  sqlstate?: string;
}

export interface TenantItem {
  tenantId: string;
  tenantName: string | null;
  wave: string;
  state: ItemState;
  attempts: number;
  /** Redacted `host:port/database`; never a password. */
  target: string;
  /** Latest applied version, as last seen. */
  version: number | null;
  pending: number | null;
  error: TenantItemError | null;
  drift: boolean | null;
  updatedAt: string;
}

export interface RunDetail extends RunSummary {
  items: TenantItem[];
}

export interface FleetStatus {
  schemaVersion: number;
  tenants: number;
  /** Per-tenant schema status: current, behind, failed, timed_out, unreachable, drifted, unknown. */
  byState: Record<string, number>;
  liveRuns: RunSummary[];
  lastRun: RunSummary | null;
  /** Tenants behind, failed, timed out, unreachable or drifted. */
  attention: TenantItem[];
}

export interface Fleet {
  createRun(spec: RunSpec): Promise<RunSummary>;
  getRun(id: string): Promise<RunDetail | null>;
  listRuns(limit?: number): Promise<RunSummary[]>;
  status(): Promise<FleetStatus>;
  pause(id: string): Promise<RunSummary>;
  resume(id: string): Promise<RunSummary>;
  /** Requeues failed, timed-out, unreachable and cancelled items (only failed/timed_out/unreachable with failedOnly) and reopens the run. */
  retry(id: string, options?: { failedOnly?: boolean }): Promise<RunSummary>;
  cancel(id: string): Promise<RunSummary>;
  /** Starts this replica's worker loop (idempotent). */
  work(): Promise<void>;
  /** Resolves when the run reaches a final or halted state; onProgress gets summaries as it goes. */
  waitForRun(id: string, onProgress?: (s: RunSummary) => void): Promise<RunSummary>;
  /** Stops fetching, aborts this replica's tenants through their AbortSignal, fails their jobs so another replica retries them at once, stops pg-boss. */
  close(): Promise<void>;
}

export interface FleetOptions {
  /** The Control Plane's PostgreSQL URL; a SQLite URL throws FleetError FLEET_REQUIRES_POSTGRES. */
  controlUrl: string;
  logger: Logger;
  replicaId?: string;
  /** Default 8. */
  maxPerReplica?: number;
  /** Concurrent migrations per database host (host:port) across all replicas; default 4. */
  maxPerHost?: number;
  /**
   * Default 600000 (10 minutes). This and `attempts`, `expireInSeconds`, `retryDelaySeconds` and
   * `maintenanceIntervalSeconds` make the job policy of the runs this handle creates (JobPolicy).
   */
  tenantDeadlineMs?: number;
  /** Attempts per tenant for transient failures; default 3. */
  attempts?: number;
  /** pg-boss job expiry; default deadline + 60 s. */
  expireInSeconds?: number;
  /** pg-boss maintenance interval of this process, and the expiry checks of the runs it creates; default 120 (pg-boss's). */
  maintenanceIntervalSeconds?: number;
  /** The registry applied to each tenant; default the tenant registry. */
  registry?: Registry;
  /** First retry delay of a transient failure, doubled each attempt with jitter (pg-boss retryBackoff); default 5. */
  retryDelaySeconds?: number;
  /** How often an idle replica looks for work when nothing woke it (NOTIFY after each wave start); default 1000. */
  pollIntervalMs?: number;
}

/**
 * Codes of FleetError. HTTP mapping: FLEET_REQUIRES_POSTGRES 409, FLEET_RUN_NOT_FOUND 404,
 * FLEET_INVALID_SPEC 400, FLEET_INVALID_TRANSITION 409, FLEET_CLOSED 503, FLEET_SETUP_FAILED 500 (the fleet
 * schema could not be migrated, pg-boss could not start). CLI: FLEET_REQUIRES_POSTGRES and
 * FLEET_INVALID_SPEC exit 2, others exit 1.
 */
export type FleetErrorCode =
  | 'FLEET_REQUIRES_POSTGRES'
  | 'FLEET_RUN_NOT_FOUND'
  | 'FLEET_INVALID_SPEC'
  | 'FLEET_INVALID_TRANSITION'
  | 'FLEET_CLOSED'
  | 'FLEET_SETUP_FAILED';

export class FleetError extends Error {
  readonly code: FleetErrorCode;
  constructor(code: FleetErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'FleetError';
    this.code = code;
  }
}

export function isFleetError(error: unknown): error is FleetError {
  return error instanceof FleetError;
}
