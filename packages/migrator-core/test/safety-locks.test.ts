import { spawn } from 'node:child_process';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ATLAS_MIGRATE, atlasMigrate, createPostgresDatabase, eventually, migrationFolder, type TestDatabase } from '@atlasai/test-kit';
import { migrationLockKey } from '../src/dialects/postgres/index.js';
import { appSession, capturingLogger, migrateFolder, within } from './safety-support.js';

/**
 * DDL that never takes a table down (lock_timeout, retries, blocker reports,
 * a killed runner's backend) and one migration lock per history table, whatever the label.
 */

/**
 * The table comes from a first migration, so the database has a history before the tests run theirs (one
 * without a history whose schema already holds objects is refused before anything runs: HISTORY_MISSING).
 */
const CREATE_JOBS = { '100_create_jobs.sql': 'CREATE TABLE automation_jobs (id integer PRIMARY KEY);\n' };
const ADD_COLUMN = { ...CREATE_JOBS, '101_add_job_owner.sql': 'ALTER TABLE automation_jobs ADD COLUMN IF NOT EXISTS owner text;\n' };
const BLOCKER_QUERY = 'SELECT count(*) FROM automation_jobs';

describe('DDL lock timeout on PostgreSQL', () => {
  let db: TestDatabase;
  beforeEach(async () => {
    db = await createPostgresDatabase();
    expect((await migrateFolder(db.url, CREATE_JOBS)).error).toBeNull();
    await db.query('INSERT INTO automation_jobs SELECT generate_series(1, 100)');
  });
  afterEach(async () => {
    await db.drop();
  });

  it('the blocker ends in time: the migration is rolled back, retried and applied; no application query waited longer than the lock timeout', async () => {
    const blocker = await appSession(db.url, 'app-report');
    await blocker.query('BEGIN');
    await blocker.query(BLOCKER_QUERY);
    const app = await appSession(db.url, 'app-traffic');
    const logger = capturingLogger();
    const run = migrateFolder(db.url, ADD_COLUMN, { logger, ddlLockTimeoutMs: 800, lockRetries: 5, lockRetryBaseMs: 200 });
    // Application traffic on the table while the migration waits, as in the incident.
    const latencies: number[] = [];
    let settled = false;
    void run.finally(() => (settled = true));
    const traffic = (async () => {
      while (!settled) {
        const started = Date.now();
        await app.query('SELECT count(*) FROM automation_jobs');
        latencies.push(Date.now() - started);
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    // The blocker ends once the run has given up its first attempt (its warning is the event), so that the
    // retry, not the first attempt, is what gets the lock.
    await eventually(() => logger.lines.some((l) => l.level === 'warn' && l.message.startsWith('lock not available')), 30_000);
    await blocker.query('COMMIT');
    const report = await run;
    await traffic;
    await Promise.all([blocker.end(), app.end()]);
    expect(report.error).toBeNull();
    expect(report.applied.map((m) => [m.version, m.outcome])).toEqual([[101, 'applied']]);
    expect(await db.columns('automation_jobs')).toEqual(['id', 'owner']);
    expect((await db.query<{ version: string }>('SELECT version FROM schema_migrations ORDER BY version')).map((r) => Number(r.version))).toEqual([100, 101]);
    const retries = logger.lines.filter((l) => l.level === 'warn' && l.message.startsWith('lock not available'));
    expect(retries.length).toBeGreaterThanOrEqual(1);
    expect(retries[0]!.message).toMatch(
      new RegExp(
        `^lock not available \\(attempt 1 of 6\\); rolled back, retrying in \\d+ ms; blocked by: pid ${blocker.pid} \\(app-report\\)( from \\S+)?, idle in transaction, transaction open \\d+ s, query "SELECT count\\(\\*\\) FROM automation_jobs"$`,
      ),
    );
    // Queued behind the waiting ALTER, a reader waits at most the lock timeout (plus scheduling slack).
    expect(Math.max(...latencies)).toBeLessThan(800 + 400);
  });

  it('the blocker never ends: the run fails in bounded time with LOCK_CONTENTION naming it, and nothing is recorded', async () => {
    const blocker = await appSession(db.url, 'app-report');
    await blocker.query('BEGIN');
    await blocker.query(BLOCKER_QUERY);
    const started = Date.now();
    const report = await migrateFolder(db.url, ADD_COLUMN, { ddlLockTimeoutMs: 500, lockRetries: 2, lockRetryBaseMs: 100 });
    const elapsed = Date.now() - started;
    await blocker.query('ROLLBACK');
    await blocker.end();
    expect(elapsed).toBeLessThan(5000);
    expect(report.error).toMatchObject({
      code: 'LOCK_CONTENTION',
      sqlstate: '55P03',
      version: 101,
      statement: 1,
      line: 1,
      column: 1,
      migration: { outcome: 'rolled-back' },
    });
    expect(report.error!.message).toMatch(
      new RegExp(
        `^Lock not available: statement 1 waited the whole lock_timeout of 500 ms on each of 3 attempts \\(the migration was rolled back after each and retried with backoff\\)\\. Blocked by: pid ${blocker.pid} \\(app-report\\)( from \\S+)?, idle in transaction, transaction open \\d+ s, query "SELECT count\\(\\*\\) FROM automation_jobs"\\.$`,
      ),
    );
    expect(report.error!.hint).toContain('--ddl-lock-timeout and --lock-retries raise the bounds');
    expect(await db.columns('automation_jobs')).toEqual(['id']);
    expect(await db.query('SELECT version FROM schema_migrations')).toEqual([{ version: '100' }]);
  });

  it('atlas-migrate exits 1 with LOCK_CONTENTION, the blocker named in the report', async () => {
    const blocker = await appSession(db.url, 'app-report');
    await blocker.query('BEGIN');
    await blocker.query(BLOCKER_QUERY);
    const result = await atlasMigrate([
      '--url',
      db.url,
      '--dir',
      migrationFolder(ADD_COLUMN),
      '--label',
      'demo',
      '--ddl-lock-timeout',
      '1',
      '--lock-retries',
      '1',
      '--json',
    ]);
    await blocker.query('ROLLBACK');
    await blocker.end();
    expect(result.code).toBe(1);
    const error = JSON.parse(result.stdout).planes[0].error;
    expect(error).toMatchObject({ code: 'LOCK_CONTENTION', sqlstate: '55P03', version: 101 });
    expect(error.message).toContain(`on each of 2 attempts`);
    expect(error.message).toContain(`Blocked by: pid ${blocker.pid} (app-report)`);
  });

  it('a CONCURRENTLY build gets the longer bound and says whom it waits for while it waits', async () => {
    const blocker = await appSession(db.url, 'app-long-report');
    // A snapshot held open: CREATE INDEX CONCURRENTLY waits for it by design.
    await blocker.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
    await blocker.query(BLOCKER_QUERY);
    const logger = capturingLogger();
    const files = {
      ...CREATE_JOBS,
      '101_job_index.sql': '-- atlas:no-transaction\nCREATE INDEX CONCURRENTLY IF NOT EXISTS automation_jobs_id_idx ON automation_jobs (id);\n',
    };
    const started = Date.now();
    const report = await migrateFolder(db.url, files, { logger, ddlLockTimeoutMs: 300, concurrentLockTimeoutMs: 2500 });
    const elapsed = Date.now() - started;
    expect(report.error).toMatchObject({ code: 'LOCK_CONTENTION', sqlstate: '55P03', version: 101, statement: 1 });
    expect(report.error!.message).toContain('waited the whole lock_timeout of 2500 ms (a no-transaction migration is not retried');
    expect(report.error!.message).toContain(`Blocked by: pid ${blocker.pid} (app-long-report)`);
    // Longer than the DDL bound, within the concurrent one.
    expect(elapsed).toBeGreaterThan(2000);
    expect(elapsed).toBeLessThan(6000);
    const waiting = logger.lines.filter((l) => l.level === 'warn' && l.message.startsWith('statement 1 is waiting for locks held by:'));
    expect(waiting.length).toBeGreaterThanOrEqual(1);
    expect(waiting[0]!.message).toContain(`pid ${blocker.pid} (app-long-report)`);
    await blocker.query('COMMIT');
    await blocker.end();
    // The INVALID index the cancelled build left is dropped and built again.
    const again = await migrateFolder(db.url, files);
    expect(again.error).toBeNull();
    expect(
      await db.query('SELECT i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE c.relname = $1', ['automation_jobs_id_idx']),
    ).toEqual([{ indisvalid: true }]);
  });

  it('SIGKILL of the runner while its ALTER waits: its backend is gone within seconds, and traffic flows again', async () => {
    const blocker = await appSession(db.url, 'app-report');
    await blocker.query('BEGIN');
    await blocker.query(BLOCKER_QUERY);
    const child = spawn(
      process.execPath,
      [ATLAS_MIGRATE, '--url', db.url, '--dir', migrationFolder(ADD_COLUMN), '--label', 'demo', '--ddl-lock-timeout', '120'],
      { stdio: 'ignore' },
    );
    const waitingBackend = async () =>
      (
        await db.query<{ pid: number }>(
          "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name LIKE 'atlas-migrate:demo%' AND wait_event_type = 'Lock'",
        )
      ).length > 0;
    expect(await within(10_000, waitingBackend)).toBeLessThan(10_000);
    child.kill('SIGKILL');
    const gone = await within(10_000, async () => !(await waitingBackend()));
    await blocker.query('ROLLBACK');
    await blocker.end();
    // client_connection_check_interval is 2 s: the backend notices the closed socket and gives up.
    expect(gone).toBeLessThan(5000);
    expect(await db.columns('automation_jobs')).toEqual(['id']);
  });
});

describe('one migration lock per history table', () => {
  let db: TestDatabase;
  beforeEach(async () => {
    db = await createPostgresDatabase();
  });
  afterEach(async () => {
    await db.drop();
  });

  it('a run with another label (or none) waits for the lock held on the same schema_migrations', async () => {
    const holder = await appSession(db.url, 'atlas-test-holder');
    await holder.query('SELECT pg_advisory_lock($1::bigint)', [migrationLockKey('public').toString()]);
    const dir = migrationFolder({ '101_t.sql': 'CREATE TABLE IF NOT EXISTS t (id integer);\n' });
    const labelled = await atlasMigrate(['--url', db.url, '--dir', dir, '--label', 'tenant', '--lock-timeout', '1']);
    const unlabelled = await atlasMigrate(['--url', db.url, '--dir', dir, '--lock-timeout', '1']);
    await holder.end();
    for (const result of [labelled, unlabelled]) {
      expect(result.code).toBe(3);
      expect(result.stdout).toMatch(
        new RegExp(
          `Error: LOCK_TIMEOUT: Timed out after 1 s waiting for the migration lock on "public".schema_migrations, held by pid ${holder.pid} \\(atlas-test-holder\\)`,
        ),
      );
    }
    expect(await db.tableExists('t')).toBe(false);
  });

  it('two planes sharing one database, 4 processes each, on a fresh database: every migration applied exactly once', async () => {
    const control = migrationFolder({
      '101_control_a.sql': "CREATE TABLE IF NOT EXISTS control_a (id integer);\nCREATE TYPE control_state AS ENUM ('on', 'off');\n",
      '102_control_b.sql': 'CREATE TABLE IF NOT EXISTS control_b (id integer);\n',
    });
    const tenant = migrationFolder({
      '201_tenant_a.sql': "CREATE TABLE IF NOT EXISTS tenant_a (id integer);\nCREATE TYPE tenant_state AS ENUM ('on', 'off');\n",
      '202_tenant_b.sql': 'CREATE TABLE IF NOT EXISTS tenant_b (id integer);\n',
    });
    const runs = await Promise.all([
      ...Array.from({ length: 4 }, () => atlasMigrate(['--url', db.url, '--dir', control, '--label', 'control', '--lock-timeout', '60'])),
      ...Array.from({ length: 4 }, () => atlasMigrate(['--url', db.url, '--dir', tenant, '--label', 'tenant', '--lock-timeout', '60'])),
    ]);
    expect(runs.map((r) => r.code)).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
    const rows = await db.query<{ version: string }>('SELECT version FROM public.schema_migrations ORDER BY version');
    expect(rows.map((r) => Number(r.version))).toEqual([101, 102, 201, 202]);
    for (const plane of ['CONTROL', 'TENANT']) {
      const applied = runs.map((r) => /\[(\w+)\] Applied (\d) migration/.exec(r.stdout)).filter((m) => m?.[1] === plane);
      expect(applied.map((m) => m![2])).toEqual(['2']);
    }
  });
});
