import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { atlasMigrate, migrationFolder } from '../../../test/support/cli.js';
import { createPostgresDatabase, type TestDatabase } from '../../../test/support/databases.js';
import { startPgBouncer, type Bouncer } from './safety-pgbouncer.js';
import { migrateFolder } from './safety-support.js';

/** Issue 9, point 4: a real PgBouncer 1.18 in front of the test server. */

const FILES = {
  '101_jobs.sql': 'CREATE TABLE IF NOT EXISTS jobs (id integer PRIMARY KEY);\n',
  '102_settings.sql': "CREATE TABLE IF NOT EXISTS seen AS SELECT current_setting('search_path') AS path, current_setting('lock_timeout') AS lock_timeout;\n",
};

describe('through PgBouncer', () => {
  let transaction: Bouncer;
  let session: Bouncer;
  let db: TestDatabase;
  beforeAll(async () => {
    transaction = await startPgBouncer(inject('pgAdminUrl'), 'transaction');
    session = await startPgBouncer(inject('pgAdminUrl'), 'session');
  });
  afterAll(async () => {
    await transaction?.stop();
    await session?.stop();
  });
  beforeEach(async () => {
    db = await createPostgresDatabase();
  });
  afterEach(async () => {
    await db.drop();
  });

  const advisoryLocks = async () => (await db.query<{ n: string }>("SELECT count(*) AS n FROM pg_locks WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"))[0]!.n;

  // One process after another: the detection is certain when the pool is not busy with other clients. Under
  // many concurrent clients it is a heuristic (see pooler.ts and the operator guide), not tested as certain.
  it('transaction pooling is refused before the lock is taken (8 runs): exit 2, a clear message, nothing run, no lock left in the pool', async () => {
    const dir = migrationFolder(FILES);
    const runs = [];
    for (let i = 0; i < 8; i++) runs.push(await atlasMigrate(['--url', transaction.through(db.url), '--dir', dir, '--label', 'demo', '--json']));
    expect(runs.map((r) => r.code)).toEqual(Array(8).fill(2));
    for (const result of runs) {
      expect(result.code).toBe(2);
      const error = JSON.parse(result.stdout).planes[0].error;
      expect(error.code).toBe('TRANSACTION_POOLER');
      expect(error.message).toMatch(/goes through a (transaction-pooling )?proxy/);
      expect(error.message).toContain('Give the migration a direct PostgreSQL URL or a session-pooled one (PgBouncer pool_mode = session); for the services, set MIGRATION_DATABASE_URL to it.');
    }
    expect(await db.tableExists('schema_migrations')).toBe(false);
    expect(await advisoryLocks()).toBe('0');
    // A direct run right after is not held up by anything the pooled attempts left behind.
    const direct = await atlasMigrate(['--url', db.url, '--dir', dir, '--label', 'demo', '--lock-timeout', '2']);
    expect(direct.code).toBe(0);
    expect(direct.stdout).toContain('[DEMO] Applied 2 migration(s): 101, 102');
  });

  it('the text report says so in one line', async () => {
    const result = await atlasMigrate(['--url', transaction.through(db.url), '--dir', migrationFolder(FILES), '--label', 'demo']);
    expect(result.code).toBe(2);
    expect(result.stdout).toMatch(/^\[DEMO\] Error: TRANSACTION_POOLER: postgresql:\/\/\S+ goes through a transaction-pooling proxy \(such as PgBouncer in pool_mode = transaction\): statements of one session reach different PostgreSQL backends/m);
  });

  it('a dry run may go through it (no lock, no change)', async () => {
    const result = await atlasMigrate(['--url', transaction.through(db.url), '--dir', migrationFolder(FILES), '--label', 'demo', '--dry-run']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('[DEMO] Would apply 2 migration(s): 101, 102');
  });

  it('session pooling works, with the plane schema and the DDL lock_timeout applied although PgBouncer refuses start-up options', async () => {
    const report = await migrateFolder(session.through(db.url), FILES);
    expect(report.error).toBeNull();
    expect(report.applied.map((m) => m.version)).toEqual([101, 102]);
    expect(await db.query('SELECT path, lock_timeout FROM seen')).toEqual([{ path: '"public"', lock_timeout: '5s' }]);
    expect(await advisoryLocks()).toBe('0');
  });
});
