import { existsSync } from 'node:fs';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CHECKSUM_ALGORITHM, createDialect, loadRegistryFromDir, runMigrations, silentLogger, type PlaneReport, type RunMode } from '@atlasai/migrator-core';
import { DIALECTS, eventually, HISTORY_COLUMNS, migrateFiles, migrationFolder, sqlitePath, type TestDatabase } from '@atlasai/test-kit';

const BASE = {
  '101_create_widgets.sql':
    '-- widgets\nCREATE TABLE IF NOT EXISTS widgets (id integer PRIMARY KEY, name text NOT NULL);\nCREATE INDEX IF NOT EXISTS idx_widgets_name ON widgets (name);\n',
  '102_widget_details.postgres.sql':
    'ALTER TABLE widgets ADD COLUMN IF NOT EXISTS color text;\nALTER TABLE widgets ADD COLUMN IF NOT EXISTS weight integer;\nCREATE TABLE IF NOT EXISTS run_log (version integer NOT NULL);\nINSERT INTO run_log (version) VALUES (102);\n',
  '102_widget_details.sqlite.sql':
    'ALTER TABLE widgets ADD COLUMN color text;\nALTER TABLE widgets ADD COLUMN weight integer;\nCREATE TABLE IF NOT EXISTS run_log (version integer NOT NULL);\nINSERT INTO run_log (version) VALUES (102);\n',
};

const BROKEN_103 = {
  '103_gadgets.sql': [
    '-- gadgets: the third statement is wrong on purpose',
    'CREATE TABLE IF NOT EXISTS gadgets (id integer PRIMARY KEY);',
    'INSERT INTO run_log (version) VALUES (103);',
    '',
    'SELECT no_such_column',
    '  FROM gadgets;',
    'CREATE TABLE IF NOT EXISTS gizmos (id integer PRIMARY KEY);',
    '',
  ].join('\n'),
};

/**
 * A first migration that does nothing, applied before a test makes objects by hand: a database without a
 * history whose schema already holds objects is refused before anything runs (HISTORY_MISSING).
 */
const HISTORY_START = { '100_history_start.sql': '-- the history starts here\n' };

interface HistoryRowShape {
  version: number | string;
  name: string;
  outcome: string;
  checksum: string | null;
  checksum_algorithm: string | null;
  execution_ms: number | null;
}

describe.each(DIALECTS)('engine on $name', ({ create }) => {
  let db: TestDatabase;
  beforeEach(async () => {
    db = await create();
  });
  afterEach(async () => {
    await db.drop();
  });

  async function migrate(files: Record<string, string>, mode: RunMode = 'apply', extra: { to?: number; lockTimeoutMs?: number } = {}): Promise<PlaneReport> {
    return migrateFiles(db.url, files, { range: { min: 100, max: 199 }, mode, ...extra });
  }

  async function history(): Promise<HistoryRowShape[]> {
    const rows = await db.query<HistoryRowShape>('SELECT * FROM schema_migrations ORDER BY version');
    return rows.map((r) => ({ ...r, version: Number(r.version) }));
  }

  it('applies every migration to an empty database and records each with its checksum', async () => {
    const report = await migrate(BASE);
    expect(report.ok).toBe(true);
    expect(report.applied.map((m) => [m.version, m.outcome])).toEqual([
      [101, 'applied'],
      [102, 'applied'],
    ]);
    expect(await db.columns('widgets')).toEqual(['color', 'id', 'name', 'weight']);
    const rows = await history();
    expect(rows.map((r) => [r.version, r.name, r.outcome, r.checksum_algorithm])).toEqual([
      [101, 'create_widgets', 'applied', CHECKSUM_ALGORITHM],
      [102, 'widget_details', 'applied', CHECKSUM_ALGORITHM],
    ]);
    expect(rows.every((r) => /^[0-9a-f]{64}$/.test(r.checksum ?? '') && Number(r.execution_ms) >= 0)).toBe(true);
    expect(await db.columns('schema_migrations')).toEqual(HISTORY_COLUMNS);

    const again = await migrate(BASE);
    expect(again).toMatchObject({ ok: true, applied: [], alreadyApplied: [101, 102], pending: [] });
    expect(await db.query('SELECT version FROM run_log')).toHaveLength(1);
  });

  it('rolls a failing migration back whole, keeps earlier ones, and names the statement', async () => {
    const report = await migrate({ ...BASE, ...BROKEN_103 });
    expect(report.ok).toBe(false);
    expect(report.applied.map((m) => m.version)).toEqual([101, 102]);
    expect(report.pending.map((m) => m.version)).toEqual([103]);
    expect(report.error).toMatchObject({ code: 'STATEMENT_FAILED', version: 103, name: 'gadgets', statement: 3 });
    expect(report.error!.line).toBe(5);
    if (db.dialect === 'postgres') {
      expect(report.error).toMatchObject({ sqlstate: '42703', column: 8 });
      expect(report.error!.message).toBe('column "no_such_column" does not exist');
    } else {
      expect(report.error).toMatchObject({ dbCode: 'SQLITE_ERROR', sqlstate: null });
      expect(report.error!.message).toBe('no such column: no_such_column');
    }
    expect(await db.tableExists('gadgets')).toBe(false);
    expect(await db.tableExists('gizmos')).toBe(false);
    expect(await db.query('SELECT version FROM run_log ORDER BY version')).toEqual([{ version: 102 }]);
    expect((await history()).map((r) => r.version)).toEqual([101, 102]);
  });

  it('adopts a three-column schema_migrations made by an older runner', async () => {
    const appliedAt = db.dialect === 'postgres' ? 'timestamptz NOT NULL DEFAULT now()' : "TEXT NOT NULL DEFAULT (datetime('now'))";
    await db.query(`CREATE TABLE schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at ${appliedAt})`);
    await db.query('CREATE TABLE widgets (id integer PRIMARY KEY, name text NOT NULL)');
    await db.query("INSERT INTO schema_migrations (version, name) VALUES (101, 'create_widgets')");
    const report = await migrate(BASE);
    expect(report).toMatchObject({ ok: true, alreadyApplied: [101] });
    expect(report.applied.map((m) => m.version)).toEqual([102]);
    expect(await db.columns('schema_migrations')).toEqual(HISTORY_COLUMNS);
    const rows = await history();
    expect(rows.map((r) => [r.version, r.outcome, r.checksum === null])).toEqual([
      [101, 'applied', true],
      [102, 'applied', false],
    ]);
  });

  it('skips only the statement whose column was added by hand, and runs the rest', async () => {
    await migrate(BASE, 'apply', { to: 101 });
    await db.query('ALTER TABLE widgets ADD COLUMN color text');
    const report = await migrate(BASE);
    expect(report.ok).toBe(true);
    expect(report.applied).toMatchObject([{ version: 102, outcome: 'applied', skippedStatements: [1] }]);
    expect(await db.columns('widgets')).toEqual(['color', 'id', 'name', 'weight']);
    expect((await history()).map((r) => [r.version, r.outcome])).toEqual([
      [101, 'applied'],
      [102, 'applied'],
    ]);
  });

  it('records a migration whose objects all exist already as skipped', async () => {
    await migrate(HISTORY_START);
    await db.query('CREATE TABLE widgets (id integer PRIMARY KEY, name text NOT NULL)');
    await db.query('CREATE INDEX idx_widgets_name ON widgets (name)');
    const report = await migrate({ ...HISTORY_START, ...BASE }, 'apply', { to: 101 });
    expect(report.applied).toMatchObject([{ version: 101, outcome: 'skipped', skippedStatements: [1, 2] }]);
    expect((await history()).map((r) => [r.version, r.outcome])).toEqual([
      [100, 'applied'],
      [101, 'skipped'],
    ]);
  });

  it('reports versions it does not know and leaves them alone', async () => {
    await migrate(BASE);
    await db.query("INSERT INTO schema_migrations (version, name) VALUES (150, 'from_a_newer_release')");
    await db.query("INSERT INTO schema_migrations (version, name) VALUES (2001, 'another_plane')");
    const report = await migrate(BASE);
    expect(report).toMatchObject({ ok: true, unknownApplied: [150], alreadyApplied: [101, 102], error: null });
    expect((await history()).map((r) => r.version)).toEqual([101, 102, 150, 2001]);
  });

  it('stops on a changed applied migration, naming the version and both checksums', async () => {
    await migrate(BASE);
    const changed = { ...BASE, '101_create_widgets.sql': BASE['101_create_widgets.sql'].replace('name text NOT NULL', 'name text') };
    const report = await migrate({ ...changed, ...BROKEN_103 });
    expect(report.ok).toBe(false);
    expect(report.error).toMatchObject({ code: 'CHECKSUM_MISMATCH', version: 101, name: 'create_widgets' });
    const recorded = (await history())[0]!.checksum!;
    // Short hashes: the first 12 hex characters of each.
    expect(report.error!.message).toContain(`recorded ${recorded.slice(0, 12)}, file `);
    expect(report.error!.message).toMatch(/recorded [0-9a-f]{12}, file [0-9a-f]{12}\./);
    expect(report.applied).toEqual([]);
    expect(report.pending.map((m) => m.version)).toEqual([103]);
    expect(await db.tableExists('gadgets')).toBe(false);
  });

  it('accepts an applied migration whose only change is line endings and trailing spaces', async () => {
    await migrate(BASE);
    const crlf = Object.fromEntries(Object.entries(BASE).map(([name, text]) => [name, text.replace(/\n/g, '  \r\n')]));
    const report = await migrate(crlf);
    expect(report).toMatchObject({ ok: true, alreadyApplied: [101, 102], applied: [] });
  });

  it('applies a lower version merged late instead of skipping it', async () => {
    const { '102_widget_details.postgres.sql': _p, '102_widget_details.sqlite.sql': _s, ...without102 } = BASE;
    const lateFiles = { ...without102, '105_later.sql': 'CREATE TABLE IF NOT EXISTS later (id integer);\n' };
    expect((await migrate(lateFiles)).applied.map((m) => m.version)).toEqual([101, 105]);
    const report = await migrate({ ...BASE, '105_later.sql': lateFiles['105_later.sql'] });
    expect(report).toMatchObject({ ok: true, outOfOrder: [102], alreadyApplied: [101, 105] });
    expect(report.applied.map((m) => m.version)).toEqual([102]);
    expect((await history()).map((r) => r.version)).toEqual([101, 102, 105]);
  });

  it('applies only up to --to', async () => {
    const report = await migrate(BASE, 'apply', { to: 101 });
    expect(report).toMatchObject({ ok: true, pending: [{ version: 102, name: 'widget_details' }] });
    expect(report.applied.map((m) => m.version)).toEqual([101]);
    expect((await history()).map((r) => r.version)).toEqual([101]);
  });

  it('dry run on an empty database changes nothing, not even schema_migrations', async () => {
    const report = await migrate(BASE, 'dry-run');
    expect(report).toMatchObject({ ok: true, mode: 'dry-run', applied: [], pending: [{ version: 101 }, { version: 102 }] });
    if (db.dialect === 'sqlite') expect(existsSync(sqlitePath(db))).toBe(false);
    expect(await db.tableExists('schema_migrations')).toBe(false);
    expect(await db.catalog()).toBe('');
  });

  it('dry run on a partly migrated database leaves schema and history exactly as they were', async () => {
    await migrate(BASE, 'apply', { to: 101 });
    const before = { catalog: await db.catalog(), history: await history() };
    const report = await migrate({ ...BASE, ...BROKEN_103 }, 'dry-run');
    expect(report).toMatchObject({ ok: true, alreadyApplied: [101], pending: [{ version: 102 }, { version: 103 }] });
    expect({ catalog: await db.catalog(), history: await history() }).toEqual(before);
  });

  it('with nothing pending, succeeds without taking the lock', async () => {
    await migrate(BASE);
    const holder = await holdLock(db);
    try {
      const report = await migrate(BASE, 'apply', { lockTimeoutMs: 0 });
      expect(report).toMatchObject({ ok: true, alreadyApplied: [101, 102] });
    } finally {
      await holder.release();
    }
  });

  it('times out waiting for a held lock, naming the holder, and changes nothing', async () => {
    const holder = await holdLock(db);
    try {
      const report = await migrate(BASE, 'apply', { lockTimeoutMs: 300 });
      expect(report.ok).toBe(false);
      expect(report.error!.code).toBe('LOCK_TIMEOUT');
      if (db.dialect === 'postgres') expect(report.error!.message).toMatch(/held by pid \d+ \(atlas-test-holder\).*connected since \d{4}-/);
      else expect(report.error!.message).toContain('held by another process');
    } finally {
      await holder.release();
    }
    expect(await db.tableExists('widgets')).toBe(false);
  });
});

/** Holds the `demo` plane's migration lock from another connection, as a concurrent runner would. */
async function holdLock(db: TestDatabase): Promise<{ release(): Promise<void> }> {
  if (db.dialect === 'postgres') {
    const { default: pg } = await import('pg');
    const { migrationLockKey } = await import('../src/dialects/postgres/index.js');
    const client = new pg.Client({ connectionString: db.url, application_name: 'atlas-test-holder' });
    await client.connect();
    await client.query('SELECT pg_advisory_lock($1::bigint)', [migrationLockKey().toString()]);
    return { release: () => client.end() };
  }
  const { default: Database } = await import('better-sqlite3');
  const holder = new Database(sqlitePath(db));
  holder.exec('BEGIN IMMEDIATE');
  return {
    async release() {
      holder.exec('ROLLBACK');
      holder.close();
    },
  };
}

describe('PostgreSQL specifics', () => {
  let db: TestDatabase;
  beforeEach(async () => {
    db = await DIALECTS[0].create();
  });
  afterEach(async () => {
    await db.drop();
  });

  const files = (index: string) => ({
    '101_items.sql': "CREATE TABLE IF NOT EXISTS items (id integer PRIMARY KEY, code text);\nINSERT INTO items VALUES (1, 'a'), (2, 'a');\n",
    '102_unique_code.postgres.sql': `-- atlas:no-transaction\n${index}\n`,
    '102_unique_code.sqlite.sql': 'CREATE UNIQUE INDEX IF NOT EXISTS idx_items_code ON items (code);\n',
  });
  const concurrently = 'CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS idx_items_code ON items (code);';

  async function migrate(f: Record<string, string>): Promise<PlaneReport> {
    return migrateFiles(db.url, f, { range: { min: 100, max: 199 } });
  }

  it('runs CREATE INDEX CONCURRENTLY, records nothing on failure, and rebuilds the INVALID index it left', async () => {
    const failed = await migrate(files(concurrently));
    expect(failed.error).toMatchObject({ code: 'STATEMENT_FAILED', version: 102, sqlstate: '23505', statement: 1, line: 2 });
    expect(await db.query('SELECT version::int AS version FROM schema_migrations ORDER BY version')).toEqual([{ version: 101 }]);
    expect(await db.query(`SELECT indisvalid FROM pg_index WHERE indexrelid = 'idx_items_code'::regclass`)).toEqual([{ indisvalid: false }]);

    await db.query('DELETE FROM items WHERE id = 2');
    const fixed = await migrate(files(concurrently));
    expect(fixed).toMatchObject({ ok: true });
    expect(fixed.applied).toMatchObject([{ version: 102, outcome: 'applied' }]);
    expect(await db.query(`SELECT indisvalid FROM pg_index WHERE indexrelid = 'idx_items_code'::regclass`)).toEqual([{ indisvalid: true }]);
  });

  it('a runner that times out names the runner holding the lock and since when it holds it', async () => {
    const slow = { '101_slow.sql': 'SELECT pg_sleep(1.5);\n' };
    const holder = migrate(slow);
    // The waiter starts once the holder has the lock: its row in pg_locks, not a guess at how long that takes.
    await eventually(
      async () =>
        (
          await db.query(
            "SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
          )
        ).length > 0,
    );
    const registry = await loadRegistryFromDir(migrationFolder(slow), { plane: 'demo', range: { min: 100, max: 199 } });
    const waiter = await runMigrations({
      registry,
      dialect: await createDialect(db.url, silentLogger),
      mode: 'apply',
      logger: silentLogger,
      lockTimeoutMs: 200,
    });
    expect(waiter.error?.code).toBe('LOCK_TIMEOUT');
    expect(waiter.error?.message).toMatch(/held by pid \d+ \(atlas-migrate:demo locked \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\)( from \S+)?, connected since \d{4}-/);
    expect(await holder).toMatchObject({ ok: true, applied: [{ version: 101 }] });
  });

  it('reports LOCK_LOST when the lock is gone at release, as behind a transaction-pooling proxy', async () => {
    // Releasing every advisory lock of the session mimics a pooler that moved the session elsewhere.
    const report = await migrate({ '101_lose_lock.sql': 'SELECT pg_advisory_unlock_all();\n' });
    expect(report.ok).toBe(false);
    expect(report.error?.code).toBe('LOCK_LOST');
    expect(report.error?.message).toMatch(/not held by this session when released: a transaction-pooling proxy/);
    expect(report.applied.map((m) => m.version)).toEqual([101]);
  });

  it('refuses CONCURRENTLY in a transactional migration with the database error', async () => {
    const report = await migrate({ ...files(concurrently), '102_unique_code.postgres.sql': `${concurrently}\n` });
    expect(report.error).toMatchObject({ code: 'STATEMENT_FAILED', version: 102, sqlstate: '25001' });
  });
});

describe('SQLite file handling', () => {
  it('creates the database file and its folder on first apply', async () => {
    const dir = migrationFolder({});
    const path = join(dir, 'nested', 'deeper', 'plane.db');
    writeFileSync(join(dir, '101_a.sql'), 'CREATE TABLE IF NOT EXISTS a (id integer);\n');
    const registry = await loadRegistryFromDir(dir, { plane: 'demo' });
    const report = await runMigrations({ registry, dialect: await createDialect(`sqlite:${path}`, silentLogger), mode: 'apply', logger: silentLogger });
    expect(report.ok).toBe(true);
    expect(existsSync(path)).toBe(true);
  });
});
