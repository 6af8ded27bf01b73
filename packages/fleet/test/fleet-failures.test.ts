import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadRegistryFromDir } from '@atlasai/migrator-core';
import { registry as tenantRegistry } from '@atlasai/tenant-migrations';
import { openFleet, type Fleet } from '@atlasai/fleet';
import { createDatabase, migrationFolder } from '@atlasai/test-kit';
import { capturingLogger, createFleetWorld, historyOf, type FleetWorld } from './fleet-support.js';

const ALL = tenantRegistry.migrations.map((m) => m.version);

describe('fleet failures, halts and deadlines', () => {
  let world: FleetWorld;
  const fleets: Fleet[] = [];
  beforeAll(async () => {
    world = await createFleetWorld();
  });
  // Every replica works every run: each test's fleet (its registry, its deadline) is closed after it.
  afterEach(async () => {
    await Promise.all(fleets.splice(0).map((f) => f.close()));
  });
  afterAll(async () => {
    await world.drop();
  });
  const open = async (options: Partial<Parameters<typeof openFleet>[0]> = {}) => {
    const fleet = await openFleet({ controlUrl: world.controlUrl, logger: capturingLogger(), pollIntervalMs: 200, retryDelaySeconds: 1, ...options });
    fleets.push(fleet);
    await fleet.work();
    return fleet;
  };
  const retire = (ids: string[]) => world.control(`UPDATE tenants SET status = 'deleted' WHERE id = ANY ($1)`, [ids]);

  it('a failing canary halts the run: no non-canary tenant is touched; retry --failed after the fix finishes it', async () => {
    const canary = await world.addTenant({ tags: ['internal'], missing: true });
    const rest = await Promise.all(Array.from({ length: 4 }, () => world.addTenant()));
    const fleet = await open();
    const run = await fleet.createRun({ mode: 'apply', waves: 'canary=tag:internal,100%' });
    const halted = await fleet.waitForRun(run.id);
    expect(halted.state).toBe('halted');
    expect(halted.waves.map((w) => w.state)).toEqual(['halted', 'pending']);
    expect(halted.counts).toMatchObject({ unreachable: 1, queued: 4, succeeded: 0 });
    for (const t of rest) expect(await historyOf(world, t.database)).toEqual([]);
    const item = (await fleet.getRun(run.id))!.items.find((i) => i.tenantId === canary.id)!;
    expect(item.error).toMatchObject({ code: 'CONNECTION_FAILED', sqlstate: '3D000' });
    // Fixed: the database now exists.
    await createDatabase(canary.database);
    await fleet.retry(run.id, { failedOnly: true });
    const end = await fleet.waitForRun(run.id);
    expect(end.state).toBe('succeeded');
    for (const t of [canary, ...rest]) expect(await historyOf(world, t.database)).toEqual(ALL);
    await retire([canary, ...rest].map((t) => t.id));
  });

  it('k injected failures fail exactly those k tenants, with the engine error; every other tenant succeeds', async () => {
    const good = await Promise.all(Array.from({ length: 5 }, () => world.addTenant()));
    const missing = await world.addTenant({ missing: true });
    const broken = await world.addTenant();
    // The release's 2003 creates incidents(tenant_id, status); this tenant's incidents table lacks the column.
    await world.tenant(broken.database, 'CREATE TABLE incidents (id integer)');
    const fleet = await open();
    const run = await fleet.createRun({ mode: 'apply', failureBudget: 1 });
    const end = await fleet.waitForRun(run.id);
    expect(end.state).toBe('failed');
    expect(end.counts).toMatchObject({ succeeded: 5, failed: 1, unreachable: 1 });
    const items = new Map((await fleet.getRun(run.id))!.items.map((i) => [i.tenantId, i]));
    expect(items.get(missing.id)).toMatchObject({ state: 'unreachable', attempts: 1, error: { code: 'CONNECTION_FAILED', sqlstate: '3D000' } });
    expect(items.get(broken.id)).toMatchObject({
      state: 'failed',
      attempts: 1,
      error: { code: 'STATEMENT_FAILED', sqlstate: expect.stringMatching(/^42/), version: expect.any(Number), statement: expect.any(Number) },
    });
    for (const t of good) expect(await historyOf(world, t.database)).toEqual(ALL);
    const status = await fleet.status();
    expect(status.attention.map((a) => [a.tenantId, a.state]).sort()).toEqual(
      [
        [broken.id, 'failed'],
        [missing.id, 'unreachable'],
      ].sort(),
    );
    expect(status.attention.every((a) => !a.target.includes('@'))).toBe(true);
    await retire([...good, missing, broken].map((t) => t.id));
  });

  it('a tenant past its deadline is timed_out, its statement ended, nothing of it recorded', async () => {
    const slow = await world.addTenant();
    const registry = await loadRegistryFromDir(migrationFolder({ '2001_slow.sql': 'CREATE TABLE half_done (id integer);\nSELECT pg_sleep(60);\n' }), {
      plane: 'tenant',
      range: { min: 2001, max: 2099 },
    });
    const fleet = await open({ registry, tenantDeadlineMs: 1500 });
    const end = await fleet.waitForRun((await fleet.createRun({ mode: 'apply' })).id);
    expect(end).toMatchObject({ state: 'halted', counts: { timed_out: 1 } });
    const item = (await fleet.getRun(end.id))!.items[0]!;
    expect(item).toMatchObject({ state: 'timed_out', attempts: 1, error: { code: 'ABORTED', version: 2001, statement: 2 } });
    expect(await historyOf(world, slow.database)).toEqual([]);
    expect(await world.tenant(slow.database, `SELECT to_regclass('public.half_done') AS t`)).toEqual([{ t: null }]);
    await retire([slow.id]);
  });

  it('refuses a SQLite Control Plane: FLEET_REQUIRES_POSTGRES', async () => {
    await expect(openFleet({ controlUrl: 'sqlite:data/control.db', logger: capturingLogger() })).rejects.toMatchObject({ code: 'FLEET_REQUIRES_POSTGRES' });
    await expect(openFleet({ controlUrl: '', logger: capturingLogger() })).rejects.toMatchObject({ code: 'FLEET_REQUIRES_POSTGRES' });
  });
});
