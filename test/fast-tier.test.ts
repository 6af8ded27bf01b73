import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { atlasMigrate, createPostgresDatabase, pgAdminUrl, REPO_ROOT, run } from '@atlasai/test-kit';
import { startPgBouncer } from '@atlasai/test-kit/pgbouncer';
import { FAST_TESTS } from '../vitest.config.js';

/** What only the full tier may use: a server, a process, or the kit's helpers that start one. */
const FULL_TIER_ONLY =
  /node:child_process|from 'pg'|inject\(|createPostgresDatabase|DIALECTS|startService|atlasMigrate|startPgBouncer|registryProofs|snapshotProofs|@atlasai\/test-kit\/service/;

describe('the fast tier', () => {
  it('lists files that exist and that name nothing of the full tier', () => {
    for (const file of FAST_TESTS) {
      expect(existsSync(join(REPO_ROOT, file)), `${file} is listed in FAST_TESTS (vitest.config.ts) but does not exist`).toBe(true);
      if (file === 'test/fast-tier.test.ts') continue;
      const found = readFileSync(join(REPO_ROOT, file), 'utf8').match(FULL_TIER_ONLY);
      expect(found?.[0], `${file} is in the fast tier but uses ${found?.[0]}: take it out of FAST_TESTS`).toBeUndefined();
    }
  });

  it('refuses PostgreSQL, processes and PgBouncer at once, naming the way out', async () => {
    expect(process.env.ATLAS_TEST_TIER).toBe('fast');
    const wayOut =
      /a fast-tier test asked for .+: the fast tier \(npm run test:fast\) is in-process only; remove this file from FAST_TESTS in vitest\.config\.ts/;
    expect(() => pgAdminUrl()).toThrow(wayOut);
    await expect(createPostgresDatabase()).rejects.toThrow(wayOut);
    await expect(createPostgresDatabase({ template: 'tenant' })).rejects.toThrow(wayOut);
    expect(() => run('true', [])).toThrow(wayOut);
    expect(() => atlasMigrate(['--help'])).toThrow(wayOut);
    await expect(startPgBouncer('postgresql://postgres@127.0.0.1:5432/postgres', 'session')).rejects.toThrow(wayOut);
  });
});
