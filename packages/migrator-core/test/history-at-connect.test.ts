import { createDialect, loadRegistryFromDir, runMigrations, silentLogger } from '@atlasai/migrator-core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createPostgresDatabase, migrationFolder, type TestDatabase } from '@atlasai/test-kit';
import { migrateFolder } from './safety-support.js';

/**
 * A PostgreSQL session opened with `historyFirst` reads the history in its set-up round trip: the first
 * `readHistory()` returns those rows, and a read under the lock is always a fresh one.
 */

const ONE = { '101_one.sql': 'CREATE TABLE IF NOT EXISTS one (id integer);\n' };

describe('the history read at connect (PostgreSQL)', () => {
  let db: TestDatabase;
  beforeEach(async () => {
    db = await createPostgresDatabase();
  });
  afterEach(async () => {
    await db.drop();
  });

  const open = async () =>
    (await createDialect(db.url, silentLogger)).connect({
      applicationName: 'history-at-connect test',
      readOnly: false,
      lockTimeoutMs: 5_000,
      historyFirst: true,
    });

  it('returns the rows read while connecting once, then reads again; under the lock it always reads again', async () => {
    expect((await migrateFolder(db.url, ONE)).ok).toBe(true);
    const session = await open();
    try {
      // Written by someone else after this session connected.
      await db.query("INSERT INTO public.schema_migrations (version, name) VALUES (102, 'two')");
      expect((await session.readHistory())!.rows.map((r) => r.version)).toEqual([101]);
      expect((await session.readHistory())!.rows.map((r) => r.version).sort((a, b) => a - b)).toEqual([101, 102]);
    } finally {
      await session.close();
    }
    const locked = await open();
    try {
      await db.query("INSERT INTO public.schema_migrations (version, name) VALUES (103, 'three')");
      const underLock = await locked.withLock(5_000, () => locked.readHistory());
      expect(underLock!.rows.map((r) => r.version).sort((a, b) => a - b)).toEqual([101, 102, 103]);
    } finally {
      await locked.close();
    }
  });

  it('a database without a history yet: null, and the session works on (the set-up ran again alone)', async () => {
    const session = await open();
    try {
      expect(await session.readHistory()).toBeNull();
      const history = await session.withLock(5_000, async () => {
        await session.prepareHistory(await session.readHistory());
        return session.readHistory();
      });
      expect(history!.rows).toEqual([]);
    } finally {
      await session.close();
    }
  });

  it('a history table this engine cannot adopt fails the run as before: connected, HISTORY_INVALID, nothing run', async () => {
    await db.query('CREATE TABLE public.schema_migrations (id integer)');
    const registry = await loadRegistryFromDir(migrationFolder(ONE), { plane: 'demo' });
    const report = await runMigrations({ registry, dialect: await createDialect(db.url, silentLogger), mode: 'apply', logger: silentLogger });
    expect(report).toMatchObject({ ok: false, connected: true, applied: [], error: { code: 'HISTORY_INVALID' } });
  });
});
