import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fleetProcess, waitFor, type FleetProcess } from './fleet-process.js';
import {
  advisoryLocksOnTenants as advisoryLocksIn,
  killAndTakeOver,
  sessionsOf as sessionsIn,
  sleepingOn as sleepingOnIn,
  slowRelease,
} from './fleet-replica-probes.js';
import { createFleetWorld, historyOf, type FleetWorld } from './fleet-support.js';

/**
 * Replicas as real processes (`node scripts/migrate-fleet.mjs`): one is stopped with SIGTERM or killed
 * with SIGKILL while its tenants sit in a slow statement; another finishes the run.
 */
describe('a replica stopped or killed mid-wave', () => {
  let world: FleetWorld;
  const started: FleetProcess[] = [];
  beforeAll(async () => {
    world = await createFleetWorld();
  });
  afterAll(async () => {
    for (const p of started) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
    await world.drop();
  });
  const start = (args: string[], env: Record<string, string>) => {
    const p = fleetProcess(args, { CONTROL_PLANE_DATABASE_URL: world.controlUrl, FLEET_MAX_PER_HOST: '8', ...env });
    started.push(p);
    return p;
  };
  let seen = new Set<string>();
  /** The run the first process created (the fleet schema appears when that process opens the fleet). */
  const runId = () =>
    waitFor('the run', async () => {
      const [{ ok }] = (await world.control<{ ok: boolean }>(`SELECT to_regclass('fleet.runs') IS NOT NULL AS ok`)) as [{ ok: boolean }];
      if (!ok) return undefined;
      const id = (await world.control<{ id: string }>(`SELECT id FROM fleet.runs WHERE NOT (id = ANY ($1))`, [[...seen]]))[0]?.id;
      if (id) seen = new Set([...seen, id]);
      return id;
    });
  const sleepingOn = (run: string, replica: string) => sleepingOnIn(world, run, replica);
  const advisoryLocksOnTenants = () => advisoryLocksIn(world);
  const sessionsOf = (run: string) => sessionsIn(world, run);
  const retire = (ids: string[]) => world.control(`UPDATE tenants SET status = 'deleted' WHERE id = ANY ($1)`, [ids]);

  it('SIGTERM: the replica aborts its tenants and hands them back; the other replica migrates them at once, each once', async () => {
    const tenants = await Promise.all(Array.from({ length: 6 }, () => world.addTenant()));
    const env = { FLEET_REGISTRY_DIR: slowRelease(3), FLEET_RETRY_DELAY_SECONDS: '1' };
    // The default expiry (deadline + 60 s = 660 s): only a hand-back lets the run finish within the test's time.
    const a = start(['run', '--json'], { ...env, FLEET_REPLICA_ID: 'ra', FLEET_MAX_PER_REPLICA: '3' });
    const run = await runId();
    const b = start(['watch', run, '--json'], { ...env, FLEET_REPLICA_ID: 'rb', FLEET_MAX_PER_REPLICA: '8' });
    const caught = await waitFor('replica ra in pg_sleep', async () => {
      const rows = await sleepingOn(run, 'ra');
      return rows.length > 0 ? rows.map((r) => r.datname) : undefined;
    });
    a.child.kill('SIGTERM');
    const endA = await a.exited;
    expect(endA.code).toBe(143);
    expect(JSON.parse(endA.stdout)).toMatchObject({ schemaVersion: 1, error: { code: 'INTERRUPTED' } });
    expect(endA.stderr).toContain('SIGTERM: stopping');
    const endB = await b.exited;
    expect(endB.code, endB.stderr).toBe(0);
    const detail = JSON.parse(endB.stdout) as { state: string; items: { state: string; attempts: number }[] };
    expect(detail.state).toBe('succeeded');
    // The interrupted attempts do not count: every tenant took one attempt.
    expect(detail.items.map((i) => [i.state, i.attempts])).toEqual(tenants.map(() => ['succeeded', 1]));
    for (const t of tenants) {
      expect(await historyOf(world, t.database)).toEqual([2001]);
      const applies = await world.tenant<{ by: string }>(t.database, 'SELECT by FROM applies');
      // Migrated once: the aborted attempt's row was rolled back with its transaction.
      expect(applies).toHaveLength(1);
      // The tenants ra was migrating at SIGTERM were migrated by rb.
      if (caught.includes(t.database)) expect(applies[0]!.by).toMatch(new RegExp(`^atlas-fleet:${run}:rb`));
    }
    await waitFor("the run's sessions to end", async () => ((await sessionsOf(run)) === 0 ? true : undefined));
    expect(await advisoryLocksOnTenants()).toBe(0);
    await retire(tenants.map((t) => t.id));
  }, 120_000);

  it("SIGKILL: pg-boss expires the dead replica's jobs and the other replica takes them over within the takeover bound", async () => {
    const tenants = await Promise.all(Array.from({ length: 6 }, () => world.addTenant()));
    const settings = { expire: 6, maintenance: 1, retryDelay: 1, poll: 1 };
    const env = {
      FLEET_REGISTRY_DIR: slowRelease(1.5),
      FLEET_TENANT_DEADLINE_SECONDS: '5',
      FLEET_JOB_EXPIRE_SECONDS: String(settings.expire),
      FLEET_MAINTENANCE_INTERVAL_SECONDS: String(settings.maintenance),
      FLEET_RETRY_DELAY_SECONDS: String(settings.retryDelay),
    };
    const a = start(['run', '--json'], { ...env, FLEET_REPLICA_ID: 'ra', FLEET_MAX_PER_REPLICA: '3' });
    const run = await runId();
    const b = start(['watch', run, '--json'], { ...env, FLEET_REPLICA_ID: 'rb', FLEET_MAX_PER_REPLICA: '8' });
    await waitFor('replica ra in pg_sleep', async () => ((await sleepingOn(run, 'ra')).length > 0 ? true : undefined));
    const retaken = await killAndTakeOver(world, run, { id: 'ra', process: a }, b);
    for (const t of tenants) {
      expect(await historyOf(world, t.database)).toEqual([2001]);
      expect(await world.tenant(t.database, 'SELECT count(*)::int AS n FROM applies')).toEqual([{ n: 1 }]);
    }
    // docs/fleet.md's bound: expiry + 2 x maintenance interval + 2 x retry delay + the poll interval after
    // the lost attempt started; each lost tenant started again within it.
    const boundMs = (settings.expire + 2 * settings.maintenance + 2 * settings.retryDelay + settings.poll) * 1000;
    for (const ms of retaken) expect(ms).toBeLessThanOrEqual(boundMs);
    await waitFor("the run's sessions to end", async () => ((await sessionsOf(run)) === 0 ? true : undefined));
    expect(await advisoryLocksOnTenants()).toBe(0);
    await retire(tenants.map((t) => t.id));
  }, 120_000);

  it('a tenant whose replicas keep dying is failed with REPLICA_LOST once its job is past its retries, never left running', async () => {
    const tenant = await world.addTenant();
    // One attempt, so the job has two spare retries (for expiries): the third death exhausts them.
    const env = {
      FLEET_REGISTRY_DIR: slowRelease(60),
      FLEET_ATTEMPTS: '1',
      FLEET_JOB_EXPIRE_SECONDS: '3',
      FLEET_MAINTENANCE_INTERVAL_SECONDS: '1',
      FLEET_RETRY_DELAY_SECONDS: '1',
    };
    let run = '';
    for (const replica of ['k1', 'k2', 'k3']) {
      const p = start(run ? ['watch', run] : ['run'], { ...env, FLEET_REPLICA_ID: replica });
      run ||= await runId();
      await waitFor(`replica ${replica} in pg_sleep`, async () => ((await sleepingOn(run, replica)).length > 0 ? true : undefined));
      p.child.kill('SIGKILL');
      await p.exited;
    }
    const last = start(['watch', run, '--json'], { ...env, FLEET_REPLICA_ID: 'k4' });
    const end = await last.exited;
    expect([end.code, end.stdout.startsWith('{')], end.stderr).toEqual([1, true]);
    const detail = JSON.parse(end.stdout) as { state: string; items: { state: string; attempts: number; error: { code: string; message: string } | null }[] };
    expect(detail.state).toBe('halted');
    expect(detail.items).toEqual([
      expect.objectContaining({ state: 'failed', attempts: 3, error: { code: 'REPLICA_LOST', message: expect.stringContaining('past its retries') } }),
    ]);
    expect(await historyOf(world, tenant.database)).toEqual([]);
    await waitFor("the run's sessions to end", async () => ((await sessionsOf(run)) === 0 ? true : undefined));
    expect(await advisoryLocksOnTenants()).toBe(0);
    await retire([tenant.id]);
  }, 180_000);
});
