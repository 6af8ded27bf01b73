import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadRegistryFromDir } from '@atlasai/migrator-core';
import { openFleet, type Fleet } from '@atlasai/fleet';
import { migrationFolder } from '@atlasai/test-kit';
import { capturingLogger, createFleetWorld, historyOf, type FleetWorld } from './fleet-support.js';

describe('three replicas on one run', () => {
  let world: FleetWorld;
  const fleets: Fleet[] = [];
  beforeAll(async () => {
    world = await createFleetWorld();
  });
  afterAll(async () => {
    await Promise.all(fleets.map((f) => f.close()));
    await world.drop();
  });

  it('each tenant is migrated once, by one replica, and the per-host cap holds across the replicas', async () => {
    const tenants = await Promise.all(Array.from({ length: 15 }, () => world.addTenant()));
    // Slow enough for the sessions of several tenants to overlap, and counted once per apply.
    const registry = await loadRegistryFromDir(
      migrationFolder({
        '2001_work.sql': 'CREATE TABLE applies (at timestamptz DEFAULT now());\nINSERT INTO applies DEFAULT VALUES;\nSELECT pg_sleep(0.4);\n',
      }),
      { plane: 'tenant', range: { min: 2001, max: 2099 } },
    );
    const maxPerHost = 3;
    for (const replicaId of ['r1', 'r2', 'r3']) {
      fleets.push(
        await openFleet({ controlUrl: world.controlUrl, logger: capturingLogger(), replicaId, registry, maxPerHost, maxPerReplica: 4, pollIntervalMs: 100 }),
      );
    }
    const run = await fleets[0]!.createRun({ mode: 'apply' });
    await Promise.all(fleets.map((f) => f.work()));
    // Sample the tenant sessions of this run (helper connections of the engine left out) until it ends.
    let peak = 0;
    const replicas = new Set<string>();
    let finished = false;
    const sampler = (async () => {
      while (!finished) {
        const rows = await world.control<{ application_name: string }>(`SELECT application_name FROM pg_stat_activity WHERE application_name ~ $1`, [
          `^atlas-fleet:${run.id}:[a-z0-9]+( locked .*)?$`,
        ]);
        peak = Math.max(peak, rows.length);
        for (const r of rows) replicas.add(r.application_name.split(':')[2]!.split(' ')[0]!);
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    const end = await fleets[0]!.waitForRun(run.id);
    finished = true;
    await sampler;
    expect(end.state).toBe('succeeded');
    expect(end.counts.succeeded).toBe(15);
    for (const t of tenants) {
      expect(await historyOf(world, t.database)).toEqual([2001]);
      expect(await world.tenant(t.database, 'SELECT count(*)::int AS n FROM applies')).toEqual([{ n: 1 }]);
    }
    const items = (await fleets[0]!.getRun(run.id))!.items;
    expect(items.every((i) => i.attempts === 1)).toBe(true);
    expect(peak).toBeGreaterThan(0);
    expect(peak).toBeLessThanOrEqual(maxPerHost);
    expect(replicas.size).toBeGreaterThan(1);
  });
});
