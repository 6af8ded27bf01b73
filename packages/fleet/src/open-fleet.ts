import { hostname } from 'node:os';
import { registry as tenantRegistry } from '@atlasai/tenant-migrations';
import PgBoss from 'pg-boss';
import { migrateFleetSchema, openPool, requirePostgres } from './control-db.js';
import { HostSlots } from './host-slots.js';
import { jobPolicies, jobPolicyFrom, jobSendOptions } from './job-policy.js';
import { createRun, transition, type SendJobs } from './runs.js';
import { fleetStatus, runDetail, runSummaries } from './summary.js';
import { FleetError, type Fleet, type FleetOptions, type RunSummary } from './types.js';
import { QUEUE, Worker } from './worker.js';

const FINAL_OR_HALTED = new Set(['succeeded', 'failed', 'cancelled', 'halted']);

/**
 * Opens the fleet on the Control Plane's PostgreSQL: migrates the `fleet` schema, starts pg-boss (its own
 * `pgboss` schema) and its queue. `work()` makes this process one of the replicas that work open runs.
 */
export async function openFleet(options: FleetOptions): Promise<Fleet> {
  const controlUrl = requirePostgres(options.controlUrl);
  const { logger } = options;
  const replicaId = (options.replicaId ?? `${hostname().split('.')[0]}-${process.pid}`).slice(0, 24);
  // The policy of the runs this handle creates; a run keeps its own whichever replica works it.
  const policy = jobPolicyFrom(options);
  const maintenanceSeconds = policy.maintenanceIntervalSeconds;
  await migrateFleetSchema(controlUrl, logger);
  const boss = new PgBoss({
    connectionString: controlUrl,
    application_name: `atlas-fleet-boss:${replicaId}`,
    max: 4,
    schedule: false,
    maintenanceIntervalSeconds: maintenanceSeconds,
  });
  boss.on('error', (error: Error) => logger.warn('pg-boss reported an error', { error: error.message }));
  try {
    await boss.start();
    // Created once, never updated: every job is sent with its run's policy, so the queue's defaults are
    // never used, and replicas with other settings do not overwrite each other's.
    if (!(await boss.getQueue(QUEUE)))
      await boss.createQueue(QUEUE, { name: QUEUE }).catch(async (error: unknown) => {
        // Another replica created it at the same moment.
        if (!(await boss.getQueue(QUEUE))) throw error;
      });
  } catch (error) {
    await boss.stop({ graceful: false, wait: true }).catch(() => undefined);
    throw new FleetError('FLEET_SETUP_FAILED', `pg-boss could not start on the Control Plane database: ${(error as Error).message}`, { cause: error });
  }
  const pool = openPool(controlUrl, `atlas-fleet:${replicaId}`);
  const send: SendJobs = async (db, jobs, sendOptions = {}) => {
    if (jobs.length === 0) return;
    const policies = await jobPolicies(
      db,
      jobs.map((j) => j.runId),
      policy,
    );
    const startAfter = sendOptions.startAfterSeconds === undefined ? {} : { startAfter: `${sendOptions.startAfterSeconds} seconds` };
    await boss.insert(
      jobs.map((data) => ({ name: QUEUE, data, ...jobSendOptions(policies.get(data.runId)!), ...startAfter })),
      { db: { executeSql: (text, values) => db.query(text, values) } },
    );
    // Idle replicas wake at once (delivered when the caller's transaction commits); a delayed job wakes nobody.
    if (sendOptions.startAfterSeconds === undefined) await db.query('NOTIFY atlas_fleet');
  };
  let worker: Worker | undefined;
  const slots = new HostSlots(controlUrl, `atlas-fleet-slots:${replicaId}`, options.maxPerHost ?? 4, logger, () => worker?.notify());
  worker = new Worker({
    pool,
    boss,
    slots,
    send,
    registry: options.registry ?? tenantRegistry,
    logger,
    replicaId,
    maxPerReplica: options.maxPerReplica ?? 8,
    policy,
    pollIntervalMs: options.pollIntervalMs ?? 1000,
    reconcileIntervalMs: maintenanceSeconds * 1000,
  });
  let closed = false;
  const open = () => {
    if (closed) throw new FleetError('FLEET_CLOSED', 'This fleet handle is closed');
  };
  const summary = async (id: string): Promise<RunSummary> => {
    const [found] = await runSummaries(pool, { id });
    if (!found) throw new FleetError('FLEET_RUN_NOT_FOUND', `No fleet run ${id}`);
    return found;
  };
  const act = async (id: string, action: 'pause' | 'resume' | 'retry' | 'cancel', opts?: { failedOnly?: boolean }) => {
    open();
    await transition(pool, id, action, send, opts);
    worker?.notify();
    return summary(id);
  };
  return {
    async createRun(spec) {
      open();
      const id = await createRun(pool, spec, policy, send);
      worker?.notify();
      return summary(id);
    },
    getRun: (id) => runDetail(pool, id),
    listRuns: (limit = 20) => runSummaries(pool, { limit }),
    status: () => fleetStatus(pool),
    pause: (id) => act(id, 'pause'),
    resume: (id) => act(id, 'resume'),
    retry: (id, opts) => act(id, 'retry', opts),
    cancel: (id) => act(id, 'cancel'),
    async work() {
      open();
      await slots.open();
      worker!.start();
    },
    async waitForRun(id, onProgress) {
      for (;;) {
        // A closed handle (SIGTERM) ends the wait instead of polling a closed pool.
        open();
        const current = await summary(id);
        onProgress?.(current);
        if (FINAL_OR_HALTED.has(current.state)) return current;
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      await worker!.close();
      await slots.close();
      await boss.stop({ graceful: false, wait: true, close: true }).catch(() => undefined);
      await pool.end().catch(() => undefined);
    },
  };
}
