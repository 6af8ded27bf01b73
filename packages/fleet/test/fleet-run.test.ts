import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registry as tenantRegistry } from '@atlasai/tenant-migrations';
import { openFleet, type Fleet } from '@atlasai/fleet';
import { capturingLogger, createFleetWorld, historyOf, type FleetWorld } from './fleet-support.js';

const ALL = tenantRegistry.migrations.map((m) => m.version);

describe('a fleet run on real tenant databases', () => {
  let world: FleetWorld;
  const fleets: Fleet[] = [];
  beforeAll(async () => {
    world = await createFleetWorld();
  });
  afterAll(async () => {
    await Promise.all(fleets.map((f) => f.close()));
    await world.drop();
  });
  const open = async (options: Partial<Parameters<typeof openFleet>[0]> = {}) => {
    const fleet = await openFleet({ controlUrl: world.controlUrl, logger: capturingLogger(), pollIntervalMs: 200, retryDelaySeconds: 1, ...options });
    fleets.push(fleet);
    return fleet;
  };

  it('migrates every tenant of the fleet, wave by wave (canary first), and records each tenant current', async () => {
    const canary = await Promise.all([world.addTenant({ tags: ['internal'] }), world.addTenant({ tags: ['internal', 'eu'] })]);
    const rest = await Promise.all(Array.from({ length: 8 }, () => world.addTenant({ tags: ['eu'] })));
    // Not part of the fleet: shared, deleted.
    await world.control(`INSERT INTO tenants (name, status, deployment_model) VALUES ('shared one', 'active', 'shared')`);
    const gone = await world.addTenant();
    await world.control(`UPDATE tenants SET status = 'deleted' WHERE id = $1`, [gone.id]);
    const fleet = await open({ maxPerHost: 3, maxPerReplica: 4 });
    await fleet.work();
    const run = await fleet.createRun({ mode: 'apply', waves: 'canary=tag:internal,25%,100%' });
    expect(run.total).toBe(10);
    expect(run.waves.map((w) => [w.name, w.total])).toEqual([
      ['canary', 2],
      ['25%', 2],
      ['100%', 6],
    ]);
    const end = await fleet.waitForRun(run.id);
    expect(end.state).toBe('succeeded');
    expect(end.counts.succeeded).toBe(10);
    expect(end.waves.map((w) => w.state)).toEqual(['done', 'done', 'done']);
    for (const t of [...canary, ...rest]) expect(await historyOf(world, t.database)).toEqual(ALL);
    expect(await historyOf(world, gone.database)).toEqual([]);
    // Waves ran in order: every canary item finished before any later item started.
    const times = await world.control<{ wave: number; started: Date; finished: Date }>(
      `SELECT wave, min(started_at) AS started, max(finished_at) AS finished FROM fleet.items WHERE run_id = $1 GROUP BY wave ORDER BY wave`,
      [run.id],
    );
    expect(times[0]!.finished.getTime()).toBeLessThanOrEqual(times[1]!.started.getTime());
    expect(times[1]!.finished.getTime()).toBeLessThanOrEqual(times[2]!.started.getTime());
    const status = await fleet.status();
    expect(status).toMatchObject({ schemaVersion: 1, tenants: 10, byState: { current: 10, unknown: 0 }, attention: [], liveRuns: [] });
    expect(status.lastRun?.id).toBe(run.id);
    const detail = await fleet.getRun(run.id);
    expect(detail!.items.every((i) => i.state === 'succeeded' && i.version === ALL.at(-1) && i.pending === 0 && i.attempts === 1)).toBe(true);
    // A second run finds nothing pending and applies nothing.
    const again = await fleet.waitForRun((await fleet.createRun({ mode: 'apply' })).id);
    expect(again.state).toBe('succeeded');
    await world.control(`UPDATE tenants SET status = 'deleted' WHERE id = ANY ($1)`, [[...canary, ...rest].map((t) => t.id)]);
  });
});
