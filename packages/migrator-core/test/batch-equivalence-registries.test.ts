import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { loadRegistryFromDir } from '@atlasai/migrator-core';
import { REPO_ROOT } from '@atlasai/test-kit';
import { ALL_VERSIONS, dropsFinished, expectSameBothWays } from './batch-equivalence-support.js';

// Both registries and the bench workloads, batched and one transaction per migration: see batch-equivalence-support.ts.
afterAll(dropsFinished);

describe.concurrent('PostgreSQL: batches of one and batches as they grow end in the same database', () => {
  it.each(['control-migrations', 'tenant-migrations'])(
    'the %s registry',
    async (pkg) => {
      const registry = await loadRegistryFromDir(join(REPO_ROOT, 'packages', pkg, 'sql'), { plane: 'registry', range: ALL_VERSIONS, sqlVariant: 'postgres' });
      expect(registry.migrations.length).toBeGreaterThan(5);
      await expectSameBothWays(registry);
    },
    120_000,
  );

  it('the bench workloads (W1, W2 1,000, W3 1 MB)', async () => {
    type Workloads = Record<string, { root: string; count: number }>;
    const { prepareWorkloads } = (await import(pathToFileURL(join(REPO_ROOT, 'bench', 'src', 'workloads.mjs')).href)) as {
      prepareWorkloads: (dir: string, options: { quick: boolean; big: boolean }) => Promise<Workloads>;
    };
    const workloads = await prepareWorkloads(join(tmpdir(), `atlas-equivalence-${process.pid}`), { quick: true, big: false });
    expect(Object.keys(workloads).sort()).toEqual(['w1', 'w2_1000', 'w3_1']);
    await Promise.all(
      Object.entries(workloads).map(async ([name, w]) => {
        const registry = await loadRegistryFromDir(join(w.root, 'atlas'), { plane: name.replace('_', '-'), range: ALL_VERSIONS, sqlVariant: 'postgres' });
        expect(registry.migrations).toHaveLength(w.count);
        await expectSameBothWays(registry, name);
      }),
    );
  }, 300_000);
});
