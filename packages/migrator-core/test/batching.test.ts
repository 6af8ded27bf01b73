import { spawn } from 'node:child_process';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PlaneReport } from '@atlasai/migrator-core';
import { ATLAS_MIGRATE, cli, createPostgresDatabase, migrateFiles, migrationFolder, type TestDatabase } from '@atlasai/test-kit';

/**
 * PostgreSQL applies consecutive transactional migrations in batches: one transaction and three round
 * trips for many migrations, each committed with its history row. What the batches must never change:
 * a failure names the exact migration and statement, "already exists" is handled statement by statement,
 * and a runner killed at any moment leaves each migration either applied with its row or not at all.
 */

/** n trivial migrations: a table every other version, a column on it in between. */
function trivialMigrations(n: number, extra: Record<number, string> = {}): Record<string, string> {
  const files: Record<string, string> = {};
  for (let v = 1; v <= n; v++) {
    const table = v % 2 === 1 ? v : v - 1;
    files[`${String(v).padStart(4, '0')}_m${v}.sql`] =
      extra[v] ?? (v % 2 === 1 ? `CREATE TABLE IF NOT EXISTS t_${v} (id int);\n` : `ALTER TABLE t_${table} ADD COLUMN IF NOT EXISTS c_${v} int;\n`);
  }
  return files;
}

const migrate = (db: TestDatabase, dir: string): Promise<PlaneReport> => migrateFiles(db.url, dir, { plane: 'batch' });

/** Every history row's migration is there, and every migration that is there has its row. */
async function assertEachMigrationWithItsRow(db: TestDatabase, n: number): Promise<number> {
  const rows = await db.query<{ version: string }>('SELECT version FROM schema_migrations');
  const recorded = new Set(rows.map((r) => Number(r.version)));
  const tables = new Set(
    (await db.query<{ t: string }>("SELECT table_name AS t FROM information_schema.tables WHERE table_schema = 'public'")).map((r) => r.t),
  );
  const columns = new Set(
    (await db.query<{ c: string }>("SELECT column_name AS c FROM information_schema.columns WHERE table_schema = 'public'")).map((r) => r.c),
  );
  for (let v = 1; v <= n; v++) {
    const present = v % 2 === 1 ? tables.has(`t_${v}`) : columns.has(`c_${v}`);
    expect({ version: v, recorded: recorded.has(v) }).toEqual({ version: v, recorded: present });
  }
  return recorded.size;
}

describe('PostgreSQL batches of migrations', () => {
  let db: TestDatabase;
  beforeEach(async () => {
    db = await createPostgresDatabase();
  });
  afterEach(async () => {
    await db.drop();
  });

  it('applies many migrations in a few transactions, each with its history row and its own duration', async () => {
    const report = await migrate(db, migrationFolder(trivialMigrations(120)));
    expect(report.ok).toBe(true);
    expect(report.applied.map((a) => a.outcome)).toEqual(Array(120).fill('applied'));
    expect(await assertEachMigrationWithItsRow(db, 120)).toBe(120);
    // A row's xmin is the transaction that wrote it: batches of 1, 2, 4, … (7 for 120); each row has its own time.
    const [counted] = await db.query<{ transactions: string; times: string }>(
      'SELECT count(DISTINCT xmin::text) AS transactions, count(DISTINCT applied_at) AS times FROM schema_migrations',
    );
    expect(Number(counted!.transactions)).toBeLessThanOrEqual(8);
    expect(Number(counted!.times)).toBe(120);
    const rows = await db.query<{ execution_ms: number; outcome: string; checksum: string }>('SELECT execution_ms, outcome, checksum FROM schema_migrations');
    expect(rows.every((r) => r.execution_ms >= 0 && r.outcome === 'applied' && /^[0-9a-f]{64}$/.test(r.checksum))).toBe(true);
    // The session was reset after each: a batched migration's SET does not reach the next one.
    expect((await migrate(db, migrationFolder(trivialMigrations(120)))).applied).toEqual([]);
  });

  it('a failure inside a batch names the exact migration, statement, line and column; the ones before it stay applied', async () => {
    const broken = 'CREATE TABLE IF NOT EXISTS t_45 (id int);\n-- wrong on purpose\nSELECT no_such_column\n  FROM t_45;\n';
    const report = await migrate(db, migrationFolder(trivialMigrations(60, { 45: broken })));
    expect(report.ok).toBe(false);
    expect(report.error).toMatchObject({ code: 'STATEMENT_FAILED', version: 45, statement: 2, line: 3, column: 8, sqlstate: '42703' });
    expect(report.applied.map((a) => a.version)).toEqual(Array.from({ length: 44 }, (_, i) => i + 1));
    expect(report.pending.map((p) => p.version)).toEqual(Array.from({ length: 16 }, (_, i) => i + 45));
    expect(await assertEachMigrationWithItsRow(db, 44)).toBe(44);
    expect(await db.tableExists('t_45')).toBe(false);
  });

  it('"already exists" inside a batch is handled statement by statement, exactly as alone', async () => {
    // A history first: objects in a database without one are refused (unrecorded-schema.test.ts).
    expect((await migrate(db, migrationFolder(trivialMigrations(1)))).ok).toBe(true);
    await db.query('CREATE TABLE t_21 (id int, c_22 int)');
    const report = await migrate(db, migrationFolder(trivialMigrations(40)));
    expect(report.ok).toBe(true);
    const byVersion = new Map(report.applied.map((a) => [a.version, a]));
    expect(byVersion.get(21)).toMatchObject({ outcome: 'skipped', skippedStatements: [1] });
    expect(byVersion.get(22)).toMatchObject({ outcome: 'skipped', skippedStatements: [1] });
    expect(byVersion.get(22)!.alreadyPresent[0]!.message).toMatch(/column "c_22" of relation "t_22"|already exists/);
    expect([...byVersion.values()].filter((a) => a.outcome === 'skipped').map((a) => a.version)).toEqual([21, 22]);
    expect(await assertEachMigrationWithItsRow(db, 40)).toBe(40);
  });

  it('a runner killed (SIGKILL) at any moment leaves each migration applied with its row or not at all; reruns converge', async () => {
    const n = 600;
    // Some migrations take a while, so that kills land inside batches, statements and commits.
    const slow = Object.fromEntries(
      Array.from({ length: 12 }, (_, i) => [i * 50 + 7, `CREATE TABLE IF NOT EXISTS t_${i * 50 + 7} (id int);\nSELECT pg_sleep(0.03);\n`]),
    );
    // Two migrations run alone (no transaction, so no batch takes them) and sleep before their one change:
    // the batches before each have committed when it starts, so the late kills (sent once the progress shows
    // 330 or 480 passed) land before the run's end however the batches grew on a loaded machine.
    for (const v of [500, n]) slow[v] = `-- atlas:no-transaction\nSELECT pg_sleep(2);\nALTER TABLE t_${v - 1} ADD COLUMN IF NOT EXISTS c_${v} int;\n`;
    const dir = migrationFolder(trivialMigrations(n, slow));
    const killedAt: number[] = [];
    // Each run is killed as soon as its live progress shows it passed a given version: the kill lands in
    // whatever comes next (a batch's statements, its history INSERT, its COMMIT, a single migration).
    for (const after of [3, 60, 200, 330, 480]) {
      const child = spawn(process.execPath, [ATLAS_MIGRATE, 'up', '--url', db.url, '--dir', dir, '--label', 'batch'], { stdio: ['ignore', 'pipe', 'pipe'] });
      const closed = new Promise((resolve) => child.on('close', resolve));
      let seen = '';
      child.stderr.on('data', (chunk: Buffer) => {
        seen += chunk.toString();
        const applied = [...seen.matchAll(/Applied (\d+) in/g)].map((m) => Number(m[1]));
        if (applied.some((v) => v >= after)) child.kill('SIGKILL');
      });
      await closed;
      // The server rolls back the killed backend's open transaction when it notices the client is gone.
      for (let i = 0; i < 100; i++) {
        const [running] = await db.query<{ n: string }>("SELECT count(*) AS n FROM pg_stat_activity WHERE application_name LIKE 'atlas-migrate:batch%'");
        if (Number(running!.n) === 0) break;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      killedAt.push(await assertEachMigrationWithItsRow(db, n));
    }
    // The kills landed at different points of the run, none after its end.
    expect(new Set(killedAt).size).toBeGreaterThan(2);
    expect(Math.max(...killedAt)).toBeLessThan(n);
    const rerun = await cli(['up', '--url', db.url, '--dir', dir, '--label', 'batch']);
    expect(rerun.code).toBe(0);
    expect(await assertEachMigrationWithItsRow(db, n)).toBe(n);
    const again = await cli(['up', '--url', db.url, '--dir', dir, '--label', 'batch']);
    expect(again.stdout).toContain(`Skipped ${n} already-applied migration(s)`);
  }, 60_000);
});
