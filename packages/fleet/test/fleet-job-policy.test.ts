import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openFleet, type Fleet, type JobPolicy, type RunSummary } from '@atlasai/fleet';
import { fleetProcess, waitFor, type FleetProcess } from './fleet-process.js';
import { advisoryLocksOnTenants, jobsOfRun, killAndTakeOver, sessionsOf, sleepingOn, slowRelease } from './fleet-replica-probes.js';
import { capturingLogger, createFleetWorld, historyOf, type FleetWorld } from './fleet-support.js';

/**
 * A run's job policy (deadline, attempts, expiry, retries, expiry checks) is fixed by the process that
 * creates it and stored on the run: replicas opened with other settings send, expire and take over its
 * jobs by it, and never change it.
 */
describe("a run's job policy", () => {
  let world: FleetWorld;
  const started: FleetProcess[] = [];
  const fleets: Fleet[] = [];
  beforeAll(async () => {
    world = await createFleetWorld();
  });
  afterAll(async () => {
    for (const p of started) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
    await Promise.all(fleets.map((f) => f.close()));
    await world.drop();
  });
  const start = (args: string[], env: Record<string, string>) => {
    const p = fleetProcess(args, { CONTROL_PLANE_DATABASE_URL: world.controlUrl, ...env });
    started.push(p);
    return p;
  };
  const retire = (ids: string[]) => world.control(`UPDATE tenants SET status = 'deleted' WHERE id = ANY ($1)`, [ids]);
  const short: JobPolicy = {
    tenantDeadlineMs: 8000,
    attempts: 2,
    expireInSeconds: 10,
    retryLimit: 3,
    retryDelaySeconds: 1,
    retryBackoff: true,
    maintenanceIntervalSeconds: 1,
  };
  const sentWith = (p: JobPolicy) => ({
    expireSeconds: p.expireInSeconds,
    retryLimit: p.retryLimit,
    retryDelay: p.retryDelaySeconds,
    retryBackoff: p.retryBackoff,
  });

  it('another openFleet with other settings changes neither the queue nor an existing run: its resent jobs keep the run policy', async () => {
    const tenants = await Promise.all([world.addTenant(), world.addTenant()]);
    const creator = await openFleet({
      controlUrl: world.controlUrl,
      logger: capturingLogger(),
      tenantDeadlineMs: short.tenantDeadlineMs,
      attempts: short.attempts,
      expireInSeconds: short.expireInSeconds,
      retryDelaySeconds: short.retryDelaySeconds,
      maintenanceIntervalSeconds: short.maintenanceIntervalSeconds,
    });
    fleets.push(creator);
    const run = await creator.createRun({ mode: 'apply' });
    expect(run).toMatchObject({ total: 2, jobPolicy: short, takeoverBoundSeconds: 10 + 2 * 1 + 2 * 1 + 1 });
    await creator.pause(run.id);
    const queueBefore = await world.control(`SELECT * FROM pgboss.queue WHERE name = 'atlas-fleet'`);
    // The defaults: expiry 660 s, 4 retries 5 s apart.
    const other = await openFleet({ controlUrl: world.controlUrl, logger: capturingLogger() });
    fleets.push(other);
    expect(await world.control(`SELECT * FROM pgboss.queue WHERE name = 'atlas-fleet'`)).toEqual(queueBefore);
    // Resuming sends the run's queued items again, from the process with the other settings.
    const resumed = await other.resume(run.id);
    expect(resumed.jobPolicy).toEqual(short);
    const jobs = await jobsOfRun(world, run.id);
    expect(jobs).toHaveLength(4);
    expect(jobs).toEqual(jobs.map(() => sentWith(short)));
    await other.cancel(run.id);
    await retire(tenants.map((t) => t.id));
  }, 60_000);

  it('replicas opened with the defaults work a run created with short settings by its policy, and take over a killed one within its bound', async () => {
    const tenants = await Promise.all(Array.from({ length: 4 }, () => world.addTenant()));
    const release = slowRelease(3);
    const created = await start(['run', '--detach', '--json'], {
      FLEET_REGISTRY_DIR: release,
      FLEET_TENANT_DEADLINE_SECONDS: String(short.tenantDeadlineMs / 1000),
      FLEET_ATTEMPTS: String(short.attempts),
      FLEET_JOB_EXPIRE_SECONDS: String(short.expireInSeconds),
      FLEET_RETRY_DELAY_SECONDS: String(short.retryDelaySeconds),
      FLEET_MAINTENANCE_INTERVAL_SECONDS: String(short.maintenanceIntervalSeconds),
    }).exited;
    expect(created.code, created.stderr).toBe(0);
    const summary = JSON.parse(created.stdout) as RunSummary;
    const bound = 10 + 2 * 1 + 2 * 1 + 1;
    expect(summary).toMatchObject({ state: 'running', total: 4, jobPolicy: short, takeoverBoundSeconds: bound });
    const run = summary.id;
    // Replicas with the defaults (deadline 600 s, expiry 660 s, maintenance 120 s, retry delay 5 s). ra has
    // one host slot, so it sends back the jobs it fetched beyond it (the host-busy re-send).
    const ra = start(['watch', run], { FLEET_REGISTRY_DIR: release, FLEET_REPLICA_ID: 'ra', FLEET_MAX_PER_HOST: '1' });
    await waitFor('replica ra in pg_sleep', async () => ((await sleepingOn(world, run, 'ra')).length > 0 ? true : undefined));
    await waitFor('a host-busy re-send', async () => ((await jobsOfRun(world, run)).length > 4 ? true : undefined));
    const rb = start(['watch', run, '--json'], { FLEET_REGISTRY_DIR: release, FLEET_REPLICA_ID: 'rb', FLEET_MAX_PER_HOST: '8' });
    await waitFor('replica rb to start', async () =>
      (await world.control(`SELECT 1 FROM pg_stat_activity WHERE application_name = 'atlas-fleet-boss:rb'`)).length > 0 ? true : undefined,
    );
    await waitFor('replica ra in pg_sleep again', async () => ((await sleepingOn(world, run, 'ra')).length > 0 ? true : undefined));
    const retaken = await killAndTakeOver(world, run, { id: 'ra', process: ra }, rb);
    // Every job of the run, whichever process sent it (creation, host-busy re-sends, the expired job's retry), had the run's policy.
    const jobs = await jobsOfRun(world, run);
    expect(jobs.length).toBeGreaterThan(4);
    expect(jobs).toEqual(jobs.map(() => sentWith(short)));
    // Each lost tenant started again within the run's bound, not the defaults' (660 + 240 + 10 + 1 s).
    for (const ms of retaken) expect(ms).toBeLessThanOrEqual(bound * 1000);
    for (const t of tenants) {
      expect(await historyOf(world, t.database)).toEqual([2001]);
      expect(await world.tenant(t.database, 'SELECT count(*)::int AS n FROM applies')).toEqual([{ n: 1 }]);
    }
    await waitFor("the run's sessions to end", async () => ((await sessionsOf(world, run)) === 0 ? true : undefined));
    expect(await advisoryLocksOnTenants(world)).toBe(0);
    await retire(tenants.map((t) => t.id));
  }, 240_000);
});
