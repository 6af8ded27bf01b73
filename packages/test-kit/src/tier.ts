/**
 * The two tiers of the suite. The fast tier (`npm run test:fast`) runs in-process tests only: no
 * PostgreSQL server, no spawned process. Its vitest project sets `ATLAS_TEST_TIER=fast` and has no global
 * setup, so a test filed there that asks the kit for PostgreSQL or a process fails at once, naming the
 * way out, instead of slowing the tier down or failing obscurely.
 */
export function inFastTier(): boolean {
  return process.env.ATLAS_TEST_TIER === 'fast';
}

/** Throws when a fast-tier test asks for `what` (a PostgreSQL database, a spawned process, …). */
export function requireFullTier(what: string): void {
  if (inFastTier()) {
    throw new Error(
      `a fast-tier test asked for ${what}: the fast tier (npm run test:fast) is in-process only; ` +
        'remove this file from FAST_TESTS in vitest.config.ts so it runs in the full suite',
    );
  }
}
