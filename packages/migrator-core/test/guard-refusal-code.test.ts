import { silentLogger } from '@atlasai/migrator-core';
import { describe, expect, it } from 'vitest';
import type { SessionContext, SessionQuery } from '../src/dialects/postgres/session-context.js';
import { readSessionHistory } from '../src/dialects/postgres/session-history.js';
import { runTransaction } from '../src/dialects/postgres/transaction.js';
import { MigratorError } from '../src/errors.js';

/**
 * Behind a transaction pooler the session's guard refuses a message that reached another backend with
 * TRANSACTION_POOLER (exit 2). It can do so at any message: while the history is read, or in the check sent
 * with a migration's COMMIT. The steps that wrap the driver's errors in their own (HISTORY_INVALID,
 * DATABASE_ERROR, exit 1) must pass the guard's refusal through unchanged. Which message the pool moves is
 * chance, so it is pinned here at the session's one way of sending SQL; safety-pooler.test.ts runs the
 * real thing (8 runs at once through PgBouncer, every refusal TRANSACTION_POOLER).
 */
const refused = new MigratorError(
  'TRANSACTION_POOLER',
  'postgresql://app@127.0.0.1:6432/app goes through a transaction-pooling proxy (such as PgBouncer in pool_mode = transaction): a message of this session reached backend 6241 instead of 6240, which holds the migration lock.',
);

describe('the guard’s refusal keeps its code wherever it stops the session', () => {
  it('while the history is read: TRANSACTION_POOLER, not HISTORY_INVALID', async () => {
    const query = (async () => {
      throw refused;
    }) as unknown as SessionQuery;
    await expect(readSessionHistory(query, () => undefined, '"public".schema_migrations')).rejects.toBe(refused);
  });

  it('at a migration’s COMMIT: TRANSACTION_POOLER, not DATABASE_ERROR', async () => {
    const sent: string[] = [];
    const query = (async (text: string) => {
      sent.push(text);
      if (text === 'COMMIT') throw refused;
      return { rows: [] };
    }) as unknown as SessionQuery;
    const ctx = {
      logger: silentLogger,
      policy: { ddlLockTimeoutMs: 1000, retries: 0, retryBaseMs: 10, concurrentLockTimeoutMs: 1000 },
    } as unknown as SessionContext;
    await expect(runTransaction(query, ctx, { lost: () => false, lastBlockers: () => [] }, async () => 'applied')).rejects.toBe(refused);
    expect(sent).toEqual(['BEGIN', 'COMMIT']);
  });
});
