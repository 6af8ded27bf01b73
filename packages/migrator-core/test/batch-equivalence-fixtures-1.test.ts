import { afterAll, describe, expect, it } from 'vitest';
import { dropsFinished, eachConcurrently, expectSameBothWays, FIXTURE_SHARDS, literalFixtures } from './batch-equivalence-support.js';

// The literal fixtures at the positions i with i % FIXTURE_SHARDS === 1, batched and one transaction per migration;
// the shards are files of their own so that vitest's workers share them. See batch-equivalence-support.ts.
afterAll(dropsFinished);

describe('PostgreSQL: batches of one and batches as they grow end in the same database', () => {
  it("every literal migration folder in the repository's tests (shard 1)", async () => {
    const { found, loadable } = await literalFixtures();
    expect(found).toBeGreaterThan(30);
    expect(loadable.length).toBeGreaterThan(25);
    const shard = loadable.filter((_, i) => i % FIXTURE_SHARDS === 1);
    await eachConcurrently(shard, 3, ({ where, registry }) => expectSameBothWays(registry, where));
  }, 600_000);
});
