import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { atlasMigrate, cli, createPostgresDatabase, migrationFolder, type TestDatabase } from '@atlasai/test-kit';
import { type Bouncer, startPgBouncer } from '@atlasai/test-kit/pgbouncer';
import { migrateFolder } from './safety-support.js';

/** A real PgBouncer 1.18 in front of the test server. */

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

  const advisoryLocks = async () =>
    (
      await db.query<{ n: string }>(
        "SELECT count(*) AS n FROM pg_locks WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
      )
    )[0]!.n;

  // One process after another: the probe before the lock finds the pooler every time when the pool is not
  // busy with other clients. Under many concurrent clients the guard (guard.ts) makes it certain: see below.
  it('transaction pooling is refused before the lock is taken (8 runs): exit 2, a clear message, nothing run, no lock left in the pool', async () => {
    const dir = migrationFolder(FILES);
    const runs = [];
    for (let i = 0; i < 8; i++) runs.push(await cli(['--url', transaction.through(db.url), '--dir', dir, '--label', 'demo', '--json']));
    const odd = runs.filter((r) => r.code !== 2).map((r) => `exit ${r.code}\n${r.stdout}\n${r.stderr}`);
    expect(
      runs.map((r) => r.code),
      odd.join('\n'),
    ).toEqual(Array(8).fill(2));
    for (const result of runs) {
      expect(result.code).toBe(2);
      const error = JSON.parse(result.stdout).planes[0].error;
      expect(error.code).toBe('TRANSACTION_POOLER');
      expect(error.message).toMatch(/goes through a (transaction-pooling )?proxy/);
      expect(error.message).toContain(
        'Give the migration a direct PostgreSQL URL or a session-pooled one (PgBouncer pool_mode = session); for the services, set MIGRATION_DATABASE_URL to it.',
      );
    }
    expect(await db.tableExists('schema_migrations')).toBe(false);
    expect(await advisoryLocks()).toBe('0');
    // A direct run right after is not held up by anything the pooled attempts left behind.
    const direct = await cli(['--url', db.url, '--dir', dir, '--label', 'demo', '--lock-timeout', '2']);
    expect(direct.code).toBe(0);
    expect(direct.stdout).toContain('[DEMO] Applied 2 migration(s): 101, 102');
  });

  it('8 concurrent runs × 3 rounds through transaction pooling: runs are refused, none applies anything off the lock-holding backend, nothing twice or half, no lock is left', async () => {
    const dir = migrationFolder({
      ...FILES,
      '103_more.sql': 'CREATE TABLE more (id int);\nINSERT INTO more VALUES (1);\n',
      '104_last.sql': 'CREATE TABLE last (id int);\n',
    });
    let refused = 0;
    for (let round = 0; round < 3; round++) {
      const target = await createPostgresDatabase();
      try {
        const runs = await Promise.all(
          Array.from({ length: 8 }, () =>
            atlasMigrate(['--url', transaction.through(target.url), '--dir', dir, '--label', 'demo', '--json', '--lock-timeout', '30']),
          ),
        );
        // A run the probe let through is stopped by the guard at its first message that reaches another
        // backend; what it applied before that ran on the backend holding the lock, with its history row.
        // A run whose every message happened to reach that one backend (a quiet moment of the pool) was in
        // effect a session of its own, and completes: the invariants below hold for it too.
        for (const result of runs) {
          expect([0, 2], result.stdout + result.stderr).toContain(result.code);
          if (result.code === 2) expect(JSON.parse(result.stdout).planes[0].error.code).toBe('TRANSACTION_POOLER');
          else expect(JSON.parse(result.stdout).planes[0].ok).toBe(true);
        }
        refused += runs.filter((r) => r.code === 2).length;
        const applied = (await target.tableExists('schema_migrations'))
          ? await target.query<{ version: string }>('SELECT version FROM schema_migrations ORDER BY version')
          : [];
        for (const [version, table] of [
          [101, 'jobs'],
          [102, 'seen'],
          [103, 'more'],
          [104, 'last'],
        ] as const) {
          expect(await target.tableExists(table)).toBe(applied.some((r) => Number(r.version) === version));
        }
        if (await target.tableExists('more')) expect(await target.query('SELECT * FROM more')).toEqual([{ id: 1 }]);
        expect(
          (
            await target.query<{ n: string }>(
              "SELECT count(*) AS n FROM pg_locks WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
            )
          )[0]!.n,
        ).toBe('0');
      } finally {
        await target.drop();
      }
    }
    // The probe and the guard refuse nearly every run: a completed one is the exception, never the rule.
    expect(refused).toBeGreaterThanOrEqual(18);
  });

  it('8 concurrent runs through session pooling with 4 server connections: all succeed, every migration applied once', async () => {
    const dir = migrationFolder(FILES);
    const runs = await Promise.all(
      Array.from({ length: 8 }, () => atlasMigrate(['--url', session.through(db.url), '--dir', dir, '--label', 'demo', '--json', '--lock-timeout', '60'])),
    );
    expect(runs.map((r) => r.code)).toEqual(Array(8).fill(0));
    const applied = runs.flatMap((r) => JSON.parse(r.stdout).planes[0].applied.map((m: { version: number }) => m.version));
    expect(applied.sort()).toEqual([101, 102]);
    expect(await db.query('SELECT version FROM schema_migrations ORDER BY version')).toEqual([{ version: '101' }, { version: '102' }]);
    expect(await advisoryLocks()).toBe('0');
  });

  it('behind a proxy, a migration that releases the lock does not commit, nor does anything after it: LOCK_LOST', async () => {
    const report = await migrateFolder(session.through(db.url), {
      '101_jobs.sql': FILES['101_jobs.sql'],
      '102_unlock.sql': 'SELECT pg_advisory_unlock_all();\n',
      '103_after.sql': 'CREATE TABLE after_unlock (id int);\n',
    });
    expect(report.applied.map((m) => m.version)).toEqual([101]);
    expect(report.error?.code).toBe('LOCK_LOST');
    expect(report.error?.message).toMatch(
      /^The migration lock on "public"\.schema_migrations was lost: backend \d+ no longer held it at the run's next check \(a statement released it: pg_advisory_unlock_all\(\), DISCARD ALL\), so nothing more was committed\.$/,
    );
    expect(await db.tableExists('after_unlock')).toBe(false);
    expect(await db.query('SELECT version FROM schema_migrations ORDER BY version')).toEqual([{ version: '101' }]);
    expect(await advisoryLocks()).toBe('0');
  });

  it('the text report says so in one line', async () => {
    const result = await cli(['--url', transaction.through(db.url), '--dir', migrationFolder(FILES), '--label', 'demo']);
    expect(result.code).toBe(2);
    expect(result.stdout).toMatch(
      /^\[DEMO\] Error: TRANSACTION_POOLER: postgresql:\/\/\S+ goes through a transaction-pooling proxy \(such as PgBouncer in pool_mode = transaction\): statements of one session reach different PostgreSQL backends/m,
    );
  });

  it('a dry run may go through it (no lock, no change)', async () => {
    const result = await cli(['--url', transaction.through(db.url), '--dir', migrationFolder(FILES), '--label', 'demo', '--dry-run']);
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
