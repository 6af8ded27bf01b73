import type { Logger, Registry } from '@atlasai/migrator-core';
import type PgBoss from 'pg-boss';
import type pg from 'pg';
import type { HostSlots } from './host-slots.js';
import { recordOutcome } from './record-outcome.js';
import { parseJobPolicy } from './job-policy.js';
import { startReconciler } from './reconcile.js';
import type { SendJobs } from './runs.js';
import { describeTarget } from './targets.js';
import { runTenant, type AbortReason, type TenantOutcome } from './tenant-job.js';
import { tenantDbUrl } from './tenants.js';
import type { JobPolicy, RunMode } from './types.js';

export const QUEUE = 'atlas-fleet';
export interface JobData {
  runId: string;
  tenantId: string;
}

export interface WorkerConfig {
  readonly pool: pg.Pool;
  readonly boss: PgBoss;
  readonly slots: HostSlots;
  readonly send: SendJobs;
  readonly registry: Registry;
  readonly logger: Logger;
  readonly replicaId: string;
  readonly maxPerReplica: number;
  /** This process's settings: the policy of a run created before runs carried one (each run's own otherwise). */
  readonly policy: JobPolicy;
  readonly pollIntervalMs: number;
  /** How often this replica looks for items a dead replica left `running` (reconcile.ts), unless a live run asks for more often. */
  readonly reconcileIntervalMs: number;
}

interface Active {
  readonly runId: string;
  readonly controller: AbortController;
  reason?: AbortReason;
  readonly done: Promise<void>;
}

/** How long a job whose host has no free slot waits before it is fetched again (±50 %). */
const HOST_BUSY_DELAY_SECONDS = 1;
/** How often a replica checks whether a run it is working on was cancelled. */
const CANCEL_CHECK_MS = 1000;

/**
 * This replica's worker: its own loop on pg-boss's fetch/complete/fail (pg-boss's work() polls no faster
 * than every 500 ms), fetching again as soon as a slot frees and waiting only when the queue is empty,
 * until a NOTIFY, a freed slot or the poll interval wakes it.
 */
export class Worker {
  private readonly active = new Map<string, Active>();
  private stopping = false;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private cancelTimer: NodeJS.Timeout | undefined;
  private stopReconciler: (() => void) | undefined;
  private readonly warned = new Set<string>();

  constructor(private readonly c: WorkerConfig) {}

  notify(): void {
    this.wake?.();
  }

  start(): void {
    if (this.loop || this.stopping) return;
    this.loop = this.run();
    this.cancelTimer = setInterval(() => void this.checkCancelled(), CANCEL_CHECK_MS);
    this.cancelTimer.unref();
    this.stopReconciler = startReconciler({ ...this.c, queue: QUEUE, intervalMs: this.c.reconcileIntervalMs });
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      const free = this.c.maxPerReplica - this.active.size;
      if (free <= 0) {
        await this.sleep(this.c.pollIntervalMs);
        continue;
      }
      let jobs: PgBoss.Job<JobData>[] = [];
      try {
        jobs = await this.c.boss.fetch<JobData>(QUEUE, { batchSize: free });
      } catch (error) {
        this.c.logger.warn('fetching fleet jobs failed; trying again', { error: (error as Error).message });
      }
      if (this.stopping) {
        // Fetched while closing: handed back at once for another replica.
        for (const job of jobs) await this.c.boss.fail(QUEUE, job.id, { reason: 'replica shutting down' }).catch(() => undefined);
        break;
      }
      if (jobs.length === 0) {
        await this.sleep(this.c.pollIntervalMs);
        continue;
      }
      for (const job of jobs) this.begin(job);
    }
  }

  private begin(job: PgBoss.Job<JobData>): void {
    const controller = new AbortController();
    const entry: Active = { runId: job.data.runId, controller, done: Promise.resolve() };
    this.active.set(job.id, entry);
    (entry as { done: Promise<void> }).done = this.handle(job, entry)
      .catch((error: unknown) =>
        this.c.logger.error('a fleet job failed unexpectedly; pg-boss will retry it', {
          runId: job.data.runId,
          tenantId: job.data.tenantId,
          error: (error as Error).message,
        }),
      )
      .finally(() => {
        this.active.delete(job.id);
        this.wake?.();
      });
  }

  private async handle(job: PgBoss.Job<JobData>, entry: Active): Promise<void> {
    const { runId, tenantId } = job.data;
    const { pool, boss } = this.c;
    const { rows } = await pool.query<{ host: string; mode: RunMode; run_state: string; state: string; job_policy: unknown }>(
      `SELECT i.host, r.mode, r.state AS run_state, i.state, r.job_policy
         FROM fleet.items i JOIN fleet.runs r ON r.id = i.run_id WHERE i.run_id = $1 AND i.tenant_id = $2`,
      [runId, tenantId],
    );
    const item = rows[0];
    // Gone, finished, or its run not running (paused: resume sends its jobs again): nothing to do.
    if (item?.run_state !== 'running' || !['queued', 'retrying', 'running'].includes(item.state)) return boss.complete(QUEUE, job.id);
    const slot = await this.c.slots.acquire(item.host);
    if (!slot) {
      // The host is at its cap (across replicas): this job makes way and comes back shortly, with its run's policy.
      await this.c.send(pool, [job.data], { startAfterSeconds: Math.max(1, Math.round(HOST_BUSY_DELAY_SECONDS * (0.5 + Math.random()) * 2) / 2) });
      return boss.complete(QUEUE, job.id);
    }
    try {
      const claimed = await pool.query<{ attempts: number }>(
        `UPDATE fleet.items i SET state = 'running', owner = $3, job_id = $4, attempts = attempts + 1, started_at = now(), updated_at = now()
           FROM fleet.runs r
          WHERE i.run_id = $1 AND i.tenant_id = $2 AND r.id = i.run_id AND r.state = 'running'
            AND (i.state IN ('queued', 'retrying') OR (i.state = 'running' AND i.job_id = $4))
          RETURNING i.attempts`,
        [runId, tenantId, this.c.replicaId, job.id],
      );
      // Another job of this item got it first (a resend after pause, a retry racing a resend).
      if (claimed.rowCount === 0) return boss.complete(QUEUE, job.id);
      const attempts = claimed.rows[0]!.attempts;
      // The run's deadline and attempts, whatever this replica's own settings.
      const policy = parseJobPolicy(item.job_policy, this.c.policy);
      const outcome = await this.migrate(runId, tenantId, item.mode, entry, policy.tenantDeadlineMs);
      await this.finish(job, outcome, attempts < policy.attempts);
    } finally {
      await slot.release();
    }
  }

  private async migrate(runId: string, tenantId: string, mode: RunMode, entry: Active, deadlineMs: number): Promise<TenantOutcome> {
    const dbUrl = await tenantDbUrl(this.c.pool, tenantId);
    if (!dbUrl)
      return {
        state: 'skipped',
        transient: false,
        version: null,
        pending: null,
        drift: null,
        error: { code: 'TENANT_GONE', message: 'The tenant was deleted, or lost its db_url, after the run was created' },
      };
    if (!this.warned.has(tenantId) && safeHasPassword(dbUrl)) {
      this.warned.add(tenantId);
      this.c.logger.warn('a tenant db_url carries a password; it is used but never logged or stored: move it to the libpq password file (PGPASSFILE)', {
        tenantId,
      });
    }
    const deadline = setTimeout(() => {
      entry.reason ??= 'deadline';
      entry.controller.abort(`the tenant deadline (${deadlineMs} ms) passed`);
    }, deadlineMs);
    try {
      const logger = withFields(this.c.logger, { runId, tenantId });
      return await runTenant({
        mode,
        dbUrl,
        registry: this.c.registry,
        logger,
        applicationName: `atlas-fleet:${runId}:${this.c.replicaId}`,
        signal: entry.controller.signal,
        abortReason: () => entry.reason,
      });
    } finally {
      clearTimeout(deadline);
    }
  }

  private async finish(job: PgBoss.Job<JobData>, outcome: TenantOutcome, attemptsRemain: boolean): Promise<void> {
    const next = await recordOutcome(this.c.pool, this.c.send, { ...job.data, jobId: job.id }, outcome, attemptsRemain);
    // pg-boss retries a failed job after its backoff (retryDelay doubled each time, with jitter).
    if (next === 'retry') await this.c.boss.fail(QUEUE, job.id, { error: outcome.error });
    else await this.c.boss.complete(QUEUE, job.id);
  }

  private async checkCancelled(): Promise<void> {
    const runs = [...new Set([...this.active.values()].map((a) => a.runId))];
    if (runs.length === 0) return;
    try {
      const { rows } = await this.c.pool.query<{ id: string }>(`SELECT id FROM fleet.runs WHERE id = ANY ($1) AND state = 'cancelled'`, [runs]);
      const cancelled = new Set(rows.map((r) => r.id));
      for (const a of this.active.values()) {
        if (!cancelled.has(a.runId) || a.controller.signal.aborted) continue;
        a.reason ??= 'cancelled';
        a.controller.abort('the run was cancelled');
      }
    } catch (error) {
      this.c.logger.warn('checking for cancelled runs failed', { error: (error as Error).message });
    }
  }

  /** Stops fetching, aborts this replica's tenants (they are sent again for another replica), waits for them. */
  async close(): Promise<void> {
    this.stopping = true;
    if (this.cancelTimer) clearInterval(this.cancelTimer);
    this.stopReconciler?.();
    this.wake?.();
    for (const a of this.active.values()) {
      a.reason ??= 'shutdown';
      a.controller.abort('this replica is shutting down');
    }
    await Promise.all([...this.active.values()].map((a) => a.done));
    await this.loop;
  }
}

function safeHasPassword(dbUrl: string): boolean {
  try {
    return describeTarget(dbUrl).hasPassword;
  } catch {
    return false;
  }
}

function withFields(logger: Logger, fields: Record<string, unknown>): Logger {
  const wrap = (level: keyof Logger) => (message: string, more?: Record<string, unknown>) => logger[level](message, { ...fields, ...more });
  return { debug: wrap('debug'), info: wrap('info'), warn: wrap('warn'), error: wrap('error') };
}
