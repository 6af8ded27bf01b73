import { availableParallelism } from 'node:os';
import { configDefaults, defineConfig } from 'vitest/config';

const jsonReport = process.env.VITEST_JSON;

/**
 * The fast tier (`npm run test:fast`): every test that runs in this process alone, without a PostgreSQL
 * server or a spawned process (SQLite files are fine). Its project has no global setup and sets
 * ATLAS_TEST_TIER=fast, so a file listed here that asks the test kit for PostgreSQL, a process, PgBouncer
 * or a service fails at once; test/fast-tier.test.ts checks the list itself. A new test not listed here
 * runs in the full tier, which is never wrong, only slower.
 */
export const FAST_TESTS = [
  'apps/control-plane/test/fleet-session.test.ts',
  'packages/control-migrations/test/precomputed-checksums.test.ts',
  'packages/migrator-core/test/guard-refusal-code.test.ts',
  'packages/migrator-core/test/linear-paths.test.ts',
  'packages/migrator-core/test/lint/allowances.test.ts',
  'packages/migrator-core/test/lint/corpus.test.ts',
  'packages/migrator-core/test/lint/replace-pair.test.ts',
  'packages/migrator-core/test/model.test.ts',
  'packages/migrator-core/test/no-import-cycles.test.ts',
  'packages/migrator-core/test/sqlite-split-paths.test.ts',
  'packages/tenant-migrations/test/precomputed-checksums.test.ts',
  'test/bench-message-count.test.ts',
  'test/fast-tier.test.ts',
  'test/line-length.test.ts',
];

/** The pack test (npm pack, a clean install of the tarballs): its own project, `npm run test:pack`. */
export const PACK_TESTS = ['packages/migrator-core/test/pack.test.ts'];

const ALL_TESTS = ['packages/*/test/**/*.test.ts', 'apps/*/test/**/*.test.ts', 'test/**/*.test.ts'];

/**
 * Most of a full-tier test's time is spent waiting on PostgreSQL, on a child process or on a timer, so one
 * worker per core leaves the cores idle: two per core keep them busy (on this 2-core machine, 4 workers
 * against 3: 114 s against 134 s for the whole suite, docs/benchmarks.md). ATLAS_TEST_WORKERS overrides.
 */
const workers = Number(process.env.ATLAS_TEST_WORKERS) || availableParallelism() * 2;

export default defineConfig({
  test: {
    pool: 'forks',
    maxWorkers: workers,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    reporters: jsonReport ? ['default', 'json'] : ['default'],
    ...(jsonReport ? { outputFile: { json: jsonReport } } : {}),
    projects: [
      { extends: true, test: { name: 'fast', include: FAST_TESTS, env: { ATLAS_TEST_TIER: 'fast' } } },
      {
        extends: true,
        test: {
          name: 'full',
          include: ALL_TESTS,
          exclude: [...configDefaults.exclude, ...FAST_TESTS, ...PACK_TESTS],
          globalSetup: ['./test/global-setup.ts'],
          // One process per worker, not per file: each file no longer pays to import vitest, the kit, the engine
          // and the drivers again (import time 37 s -> 12 s over the full tier), and the kit's in-process
          // atlas-migrate compiles the PostgreSQL parser once per worker. No test changes the environment,
          // the working directory (the kit's cli restores it) or a module's state that another file reads.
          isolate: false,
        },
      },
      { extends: true, test: { name: 'pack', include: PACK_TESTS, globalSetup: ['./test/global-setup.ts'] } },
    ],
  },
});
