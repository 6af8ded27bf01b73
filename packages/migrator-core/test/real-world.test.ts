import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  checksumSql,
  createDialect,
  inspectMigrations,
  loadRegistryFromDir,
  renderPlane,
  runMigrations,
  silentLogger,
  type PlaneReport,
  type RunMode,
} from '@atlasai/migrator-core';
import { cli, DIALECTS, migrationFolder, run, sqlitePath, type TestDatabase } from '@atlasai/test-kit';

/**
 * Real-world migration shapes (written here, after the kinds of files large public histories hold):
 * transaction control, multi-action ALTERs, session settings, the SQLite rebuild procedure, trigger
 * bodies with CASE. Each test asserts the catalog, the history rows and the report.
 */

interface Run {
  files: Record<string, string>;
  mode?: RunMode;
  to?: number;
  lockTimeoutMs?: number;
  schema?: string;
  url?: string;
}

async function migrateWith(db: TestDatabase, { files, mode = 'apply', to, lockTimeoutMs, schema, url }: Run): Promise<PlaneReport> {
  const registry = await loadRegistryFromDir(migrationFolder(files), { plane: 'demo', range: { min: 100, max: 99_999_999_999_999 } });
  const dialect = await createDialect(url ?? db.url, silentLogger, schema === undefined ? {} : { schema });
  return runMigrations({
    registry,
    dialect,
    mode,
    logger: silentLogger,
    ...(to === undefined ? {} : { to }),
    ...(lockTimeoutMs === undefined ? {} : { lockTimeoutMs }),
  });
}

async function versions(db: TestDatabase, table = 'schema_migrations'): Promise<number[]> {
  const rows = await db.query<{ version: number | string }>(`SELECT version FROM ${table} ORDER BY version`);
  return rows.map((r) => Number(r.version));
}

/**
 * A first migration that does nothing, applied before a test makes objects by hand: a database without a
 * history whose schema already holds objects is refused before anything runs (HISTORY_MISSING).
 */
const HISTORY_START = { '100_history_start.sql': '-- the history starts here\n' };

describe.each(DIALECTS)('real-world SQL on $name', ({ create }) => {
  let db: TestDatabase;
  beforeEach(async () => {
    db = await create();
  });
  afterEach(async () => {
    await db.drop();
  });
  const migrate = (files: Record<string, string>, extra: Omit<Run, 'files'> = {}) => migrateWith(db, { files, ...extra });

  it('refuses BEGIN/COMMIT inside a transactional migration before anything runs, naming file and line', async () => {
    const files = {
      '101_first.sql': 'CREATE TABLE IF NOT EXISTS first_table (id integer);\n',
      '102_enum_change.sql':
        '-- a block in the middle, as Prisma writes around enum changes\nCREATE TABLE IF NOT EXISTS before_block (id integer);\nBEGIN;\nCREATE TABLE IF NOT EXISTS inside_block (id integer);\nCOMMIT;\n',
    };
    const report = await migrate(files);
    expect(report.ok).toBe(false);
    expect(report.error).toMatchObject({ code: 'TRANSACTION_CONTROL', version: 102, file: '102_enum_change.sql', statement: 2, line: 3 });
    expect(report.error!.migration).toEqual({ transactional: true, outcome: 'not-run', committedStatements: [] });
    expect(report.error!.message).toContain('"BEGIN" controls the transaction');
    expect(report.error!.message).toMatch(
      db.dialect === 'postgres' ? /-- atlas:no-transaction/ : /on SQLite the engine runs every migration in its own transaction/,
    );
    // Refused before anything ran: not even the valid migration before it.
    expect(report.applied).toEqual([]);
    expect(report.pending.map((m) => m.version)).toEqual([101, 102]);
    for (const table of ['first_table', 'before_block', 'inside_block']) expect(await db.tableExists(table)).toBe(false);
    expect(await versions(db)).toEqual([]);
    const text = renderPlane(report).join('\n');
    expect(text).toContain(
      '[DEMO] Error in migration 102 (enum_change) at statement 2, line 3, column 1: TRANSACTION_CONTROL: Migration 102 (enum_change), statement 2 (102_enum_change.sql, line 3):',
    );
    expect(text).toContain('[DEMO] Migration 102 was not run: nothing of it is recorded as applied.');
    expect(text).not.toContain('rolled back');
    // A dry run says the same, so a pipeline learns it before the deploy.
    expect((await migrate(files, { mode: 'dry-run' })).error).toMatchObject({ code: 'TRANSACTION_CONTROL', version: 102 });
  });

  it('refuses ROLLBACK, SAVEPOINT and RELEASE too, and a COMMIT in the middle of a file', async () => {
    for (const [sql, line] of [
      ['CREATE TABLE IF NOT EXISTS a (id integer);\nSAVEPOINT s;\nCREATE TABLE IF NOT EXISTS b (id integer);\nRELEASE s;\n', 2],
      ['CREATE TABLE IF NOT EXISTS a (id integer);\n\nCOMMIT;\nCREATE TABLE IF NOT EXISTS b (id integer);\n', 3],
      ['CREATE TABLE IF NOT EXISTS a (id integer);\nROLLBACK;\n', 2],
    ] as const) {
      const report = await migrate({ '101_x.sql': sql });
      expect(report.error).toMatchObject({ code: 'TRANSACTION_CONTROL', version: 101, line });
      expect(await db.tableExists('a')).toBe(false);
      expect((await db.tableExists('schema_migrations')) ? await versions(db) : []).toEqual([]);
    }
  });

  it('accepts a file wrapped whole in BEGIN … COMMIT (Prisma’s shape) and runs it in the engine’s transaction', async () => {
    const wrapped =
      db.dialect === 'postgres'
        ? 'BEGIN;\nCREATE TYPE "Role_new" AS ENUM (\'USER\', \'ADMIN\');\nCREATE TABLE IF NOT EXISTS "Member" (id integer PRIMARY KEY, role "Role_new" NOT NULL DEFAULT \'USER\');\nCOMMIT;\n'
        : 'BEGIN TRANSACTION;\nCREATE TABLE IF NOT EXISTS "Member" (id integer PRIMARY KEY, role text NOT NULL DEFAULT \'USER\');\nEND TRANSACTION;\n';
    const report = await migrate({ '101_prisma.sql': wrapped });
    expect(report.error).toBeNull();
    expect(report.applied).toMatchObject([{ version: 101, outcome: 'applied' }]);
    expect(await db.columns('Member')).toEqual(['id', 'role']);
    expect(await versions(db)).toEqual([101]);

    // Session settings may stand outside the wrapper: SQLite's documented rebuild procedure puts
    // PRAGMA foreign_keys there, and dumps put SET lines before BEGIN.
    const outside =
      db.dialect === 'postgres'
        ? 'SET statement_timeout = 0;\nBEGIN;\nCREATE TABLE IF NOT EXISTS outside_ok (id integer);\nCOMMIT;\nRESET statement_timeout;\n'
        : 'PRAGMA foreign_keys = OFF;\nBEGIN TRANSACTION;\nCREATE TABLE IF NOT EXISTS outside_ok (id integer);\nCOMMIT;\nPRAGMA foreign_keys = ON;\n';
    const second = await migrate({ '101_prisma.sql': wrapped, '102_outside.sql': outside });
    expect(second.error).toBeNull();
    expect(second.applied.map((m) => m.version)).toEqual([102]);
    expect(await db.tableExists('outside_ok')).toBe(true);
    // Anything else outside the wrapper is not a wrapper: refused.
    const refused = await migrate({
      '101_prisma.sql': wrapped,
      '102_outside.sql': outside,
      '103_not_wrapped.sql': 'CREATE TABLE IF NOT EXISTS before_it (id integer);\nBEGIN;\nSELECT 1;\nCOMMIT;\n',
    });
    expect(refused.error).toMatchObject({ code: 'TRANSACTION_CONTROL', version: 103, statement: 2 });
  });

  it('a statement with several actions whose object is partly present fails, naming what exists, and creates nothing', async () => {
    await migrate(HISTORY_START);
    await db.query('CREATE TABLE t (id integer)');
    await db.query('ALTER TABLE t ADD COLUMN a integer');
    const sql =
      db.dialect === 'postgres'
        ? 'ALTER TABLE t ADD COLUMN a integer, ADD COLUMN b integer;\n'
        : 'ALTER TABLE t ADD COLUMN a integer;\nALTER TABLE t ADD COLUMN b integer;\n';
    const report = await migrate({ ...HISTORY_START, '101_two_columns.sql': sql });
    if (db.dialect === 'postgres') {
      expect(report.ok).toBe(false);
      expect(report.error).toMatchObject({ code: 'STATEMENT_FAILED', version: 101, statement: 1, sqlstate: '42701' });
      expect(report.error!.message).toBe(
        'Statement 1 does 2 things and part of it is already there: ADD COLUMN a exists; ADD COLUMN b does not exist. Nothing of it ran. Split it into one statement per action (each with IF NOT EXISTS), so that what exists is skipped alone and the rest is created.',
      );
      expect(await db.columns('t')).toEqual(['a', 'id']);
      expect(await versions(db)).toEqual([100]);
    } else {
      // SQLite's ALTER TABLE has one action: the split form is the only form, and it is skipped alone.
      expect(report.applied).toMatchObject([{ version: 101, outcome: 'applied', skippedStatements: [1] }]);
      expect(await db.columns('t')).toEqual(['a', 'b', 'id']);
    }
  });

  it('an "already exists" about another object than the statement creates is an error, not a skip', async () => {
    // The table's named primary key needs an index whose name is taken; the table itself does not exist.
    // SQLite: a full-text table needs shadow tables, one of whose names is taken.
    const sql =
      db.dialect === 'postgres'
        ? 'CREATE TABLE IF NOT EXISTS orders (id integer CONSTRAINT orders_key PRIMARY KEY);\n'
        : 'CREATE TABLE IF NOT EXISTS notes (id integer);\nCREATE VIRTUAL TABLE IF NOT EXISTS docs USING fts5(body);\n';
    await migrate(HISTORY_START);
    await db.query(db.dialect === 'postgres' ? 'CREATE TABLE orders_key (id integer)' : 'CREATE TABLE docs_data (id integer)');
    const report = await migrate({ ...HISTORY_START, '101_orders.sql': sql });
    expect(report.ok).toBe(false);
    expect(report.error).toMatchObject({ code: 'STATEMENT_FAILED', version: 101 });
    if (db.dialect === 'postgres') {
      expect(report.error).toMatchObject({ sqlstate: '42P07', statement: 1 });
      expect(report.error!.message).toBe(
        'The database says something already exists (relation "orders_key" already exists), but relation "orders", which this statement creates, does not: it was not skipped.',
      );
      expect(await db.tableExists('orders')).toBe(false);
    } else {
      expect(report.error).toMatchObject({ statement: 2, line: 2, dbCode: 'SQLITE_ERROR' });
      expect(report.error!.message).toBe("fts5: error creating shadow table docs_data: table 'docs_data' already exists");
      expect(await db.tableExists('docs')).toBe(false);
      expect(await db.tableExists('notes')).toBe(false);
    }
    expect(await versions(db)).toEqual([100]);
  });

  it('reports each object found present (JSON and a Note line), and never "skipped" when anything changed', async () => {
    await migrate(HISTORY_START);
    await db.query('CREATE TABLE t (id integer, x integer, y integer)');
    const sql =
      db.dialect === 'postgres'
        ? 'ALTER TABLE t DROP COLUMN IF EXISTS x, ADD COLUMN IF NOT EXISTS y integer;\nCREATE INDEX IF NOT EXISTS t_id ON t (id);\n'
        : 'ALTER TABLE t DROP COLUMN x;\nALTER TABLE t ADD COLUMN y integer;\nCREATE INDEX IF NOT EXISTS t_id ON t (id);\n';
    const report = await migrate({ ...HISTORY_START, '101_mixed.sql': sql });
    expect(report.error).toBeNull();
    expect(report.applied).toHaveLength(1);
    expect(report.applied[0]).toMatchObject({ version: 101, outcome: 'applied' });
    expect(await db.columns('t')).toEqual(['id', 'y']);
    const present = report.applied[0]!.alreadyPresent;
    if (db.dialect === 'postgres') {
      expect(present).toEqual([{ statement: 1, line: 1, message: 'column "y" of relation "t" already exists, skipping', skipped: false }]);
      expect(renderPlane(report)).toContain('[DEMO] Note: 101 found objects already present: statement 1 (line 1): column "y" of relation "t" already exists');
    } else {
      expect(present).toEqual([{ statement: 2, line: 2, message: 'duplicate column name: y', skipped: true }]);
      expect(renderPlane(report)).toContain('[DEMO] Note: 101 found objects already present: statement 2 (line 2): duplicate column name: y, skipped');
    }
    expect((await db.query<{ outcome: string }>('SELECT outcome FROM schema_migrations WHERE version = 101')).map((r) => r.outcome)).toEqual(['applied']);
  });

  it('an empty file and a comment-only file are migrations that do nothing, recorded as applied', async () => {
    const report = await migrate({
      '101_empty.sql': '',
      '102_comments.sql': '-- nothing to do yet\n/* still nothing */\n',
      '103_after.sql': 'CREATE TABLE IF NOT EXISTS after_empty (id integer);\n',
    });
    expect(report.error).toBeNull();
    expect(report.applied.map((m) => [m.version, m.outcome])).toEqual([
      [101, 'applied'],
      [102, 'applied'],
      [103, 'applied'],
    ]);
    expect(await versions(db)).toEqual([101, 102, 103]);
  });

  it('timestamp versions work, and an older integer history is widened in place', async () => {
    if (db.dialect === 'postgres') {
      await db.query('CREATE TABLE schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())');
      await db.query("INSERT INTO schema_migrations (version, name) VALUES (101, 'old_one')");
    }
    const files = {
      '101_old_one.sql': 'CREATE TABLE IF NOT EXISTS old_one (id integer);\n',
      '20210710035447_create_t.sql': 'CREATE TABLE IF NOT EXISTS stamped (id integer);\n',
    };
    const report = await migrate(files);
    expect(report.error).toBeNull();
    expect(report.applied.map((m) => m.version)).toEqual(db.dialect === 'postgres' ? [20210710035447] : [101, 20210710035447]);
    expect(await versions(db)).toEqual([101, 20210710035447]);
    expect(await db.tableExists('stamped')).toBe(true);
    if (db.dialect === 'postgres') {
      expect(await db.query("SELECT data_type FROM information_schema.columns WHERE table_name = 'schema_migrations' AND column_name = 'version'")).toEqual([
        { data_type: 'bigint' },
      ]);
    }
    expect((await migrate(files)).alreadyApplied).toEqual([101, 20210710035447]);
  });

  it('a failure while recording the history says so, with no made-up location, and rolls the migration back', async () => {
    const guard =
      db.dialect === 'postgres'
        ? 'CREATE TABLE IF NOT EXISTS guarded (id integer);\nALTER TABLE schema_migrations ADD CONSTRAINT no_more CHECK (version < 101);\n'
        : "CREATE TABLE IF NOT EXISTS guarded (id integer);\nCREATE TRIGGER no_more BEFORE INSERT ON schema_migrations BEGIN SELECT RAISE(ABORT, 'history is closed'); END;\n";
    const report = await migrate({ '101_guard.sql': guard });
    expect(report.ok).toBe(false);
    expect(report.error).toMatchObject({ code: 'DATABASE_ERROR', version: 101, statement: null, line: null });
    expect(report.error!.message).toMatch(/^Recording migration 101 \(guard\) in schema_migrations failed: /);
    const text = renderPlane(report);
    expect(text.find((l) => l.startsWith('[DEMO] Error in migration 101'))).toMatch(
      /^\[DEMO\] Error in migration 101 \(guard\): (SQLSTATE 23514|DATABASE_ERROR): Recording migration 101/,
    );
    expect(text.join('\n')).not.toMatch(/parsing|line \?/);
    expect(text).toContain('[DEMO] Migration 101 was rolled back: nothing of it is recorded as applied.');
    expect(await db.tableExists('guarded')).toBe(false);
  });

  it('a history row with an unknown or missing checksum algorithm is reported by the run and by status', async () => {
    const files = {
      '101_a.sql': 'CREATE TABLE IF NOT EXISTS a (id integer);\n',
      '102_b.sql': 'CREATE TABLE IF NOT EXISTS b (id integer);\n',
      '103_c.sql': 'CREATE TABLE IF NOT EXISTS c (id integer);\n',
    };
    await migrate(files, { to: 102 });
    await db.query("UPDATE schema_migrations SET checksum_algorithm = 'md5-v0' WHERE version = 101");
    await db.query('UPDATE schema_migrations SET checksum_algorithm = NULL WHERE version = 102');
    const report = await migrate(files);
    expect(report.error).toBeNull();
    expect(report.unverified).toEqual([
      { version: 101, reason: 'unknown checksum algorithm md5-v0' },
      { version: 102, reason: 'checksum algorithm missing' },
    ]);
    expect(renderPlane(report)).toContain(
      '[DEMO] Note: 2 applied migration(s) cannot be verified against their files: 101 (unknown checksum algorithm md5-v0), 102 (checksum algorithm missing)',
    );
    const registry = await loadRegistryFromDir(migrationFolder(files), { plane: 'demo' });
    const status = await inspectMigrations({ registry, dialect: await createDialect(db.url, silentLogger) });
    expect(status.entries.map((e) => [e.version, e.state, e.note])).toEqual([
      [101, 'unverified', 'unknown checksum algorithm md5-v0'],
      [102, 'unverified', 'checksum algorithm missing'],
      [103, 'applied', undefined],
    ]);
  });
});

describe('real-world SQL on PostgreSQL only', () => {
  let db: TestDatabase;
  beforeEach(async () => {
    db = await DIALECTS[0].create();
  });
  afterEach(async () => {
    await db.drop();
  });
  const migrate = (files: Record<string, string>, extra: Omit<Run, 'files'> = {}) => migrateWith(db, { files, ...extra });

  it('a no-transaction migration manages its own transactions; a failure says exactly which statements committed', async () => {
    const sql = [
      '-- atlas:no-transaction',
      'CREATE TABLE IF NOT EXISTS nt_a (id integer);',
      'BEGIN;',
      'CREATE TABLE IF NOT EXISTS nt_b (id integer);',
      'COMMIT;',
      'BEGIN;',
      'CREATE TABLE IF NOT EXISTS nt_c (id integer);',
      'SELECT no_such_column FROM nt_c;',
      'COMMIT;',
    ].join('\n');
    const report = await migrate({ '101_own_tx.sql': sql });
    expect(report.error).toMatchObject({ code: 'STATEMENT_FAILED', version: 101, statement: 7, line: 8, sqlstate: '42703' });
    expect(report.error!.migration).toEqual({ transactional: false, outcome: 'partly-committed', committedStatements: [1, 2, 3, 4] });
    expect(renderPlane(report)).toContain(
      '[DEMO] Migration 101 ran without a transaction: statement(s) 1, 2, 3, 4 committed and stay; it is not recorded as applied, and the next run starts it again from its first statement.',
    );
    expect(await db.tableExists('nt_a')).toBe(true);
    expect(await db.tableExists('nt_b')).toBe(true);
    expect(await db.tableExists('nt_c')).toBe(false);
    expect(await versions(db)).toEqual([]);

    // Fixed, it runs again from the top: its statements are idempotent, as no-transaction ones must be.
    const fixed = await migrate({ '101_own_tx.sql': sql.replace('SELECT no_such_column FROM nt_c;', 'SELECT id FROM nt_c;') });
    expect(fixed.error).toBeNull();
    expect(await versions(db)).toEqual([101]);
  });

  it('a no-transaction migration that fails before anything committed says nothing stays', async () => {
    const report = await migrate({
      '101_fails_first.sql': '-- atlas:no-transaction\nSELECT no_such_column FROM pg_class;\nCREATE TABLE IF NOT EXISTS later (id integer);\n',
    });
    expect(report.error!.migration).toEqual({ transactional: false, outcome: 'rolled-back', committedStatements: [] });
    expect(renderPlane(report)).toContain(
      '[DEMO] Migration 101 ran without a transaction and none of its statements had committed: nothing of it stays or is recorded as applied.',
    );
    expect(await db.tableExists('later')).toBe(false);
  });

  it('a no-transaction migration that leaves its own transaction open is refused and that transaction rolled back', async () => {
    const report = await migrate({
      '101_open.sql':
        '-- atlas:no-transaction\nCREATE TABLE IF NOT EXISTS committed_one (id integer);\nBEGIN;\nCREATE TABLE IF NOT EXISTS left_open (id integer);\n',
    });
    expect(report.error).toMatchObject({ code: 'TRANSACTION_CONTROL', version: 101, statement: 2, line: 3 });
    expect(report.error!.message).toContain('ends with a transaction still open');
    expect(report.error!.migration).toMatchObject({ outcome: 'partly-committed', committedStatements: [1] });
    expect(await db.tableExists('committed_one')).toBe(true);
    expect(await db.tableExists('left_open')).toBe(false);
    expect(await versions(db)).toEqual([]);
  });

  it('session settings made by one migration do not reach the next one or the history writes', async () => {
    const probe = (v: number) =>
      `INSERT INTO probe VALUES (${v}, current_setting('search_path'), current_setting('lock_timeout'), current_user::text, current_setting('application_name'));\n`;
    const files = {
      '101_probe.sql': `CREATE TABLE IF NOT EXISTS probe (version integer, search_path text, lock_timeout text, role text, app text);\n${probe(101)}`,
      // What pg_dump writes at the top of a baseline, and settings other histories leave behind.
      '102_baseline.sql':
        "SELECT pg_catalog.set_config('search_path', '', false);\nSET lock_timeout = '1ms';\nCREATE TABLE public.baseline (id integer);\nCREATE SCHEMA IF NOT EXISTS side;\nCREATE TABLE side.elsewhere (id integer);\n",
      '103_after.sql': `${probe(103)}CREATE TABLE IF NOT EXISTS after_baseline (id integer);\n`,
      '104_moves_path.sql':
        "SET search_path TO side;\nCREATE TABLE IF NOT EXISTS in_side (id integer);\nSELECT set_config('statement_timeout', '5ms', false);\n",
      '105_after_path.sql': `${probe(105)}CREATE TABLE IF NOT EXISTS after_path (id integer);\n`,
    };
    const report = await migrate(files);
    expect(report.error).toBeNull();
    expect(await versions(db, 'public.schema_migrations')).toEqual([101, 102, 103, 104, 105]);
    const rows = await db.query<{ version: number; search_path: string; lock_timeout: string; app: string }>(
      'SELECT version, search_path, lock_timeout, app FROM probe ORDER BY version',
    );
    expect(rows.map((r) => [r.version, r.search_path, r.lock_timeout])).toEqual([
      // The engine's DDL lock_timeout (5 s by default), not the 1 ms migration 102 set.
      [101, '"public"', '5s'],
      [103, '"public"', '5s'],
      [105, '"public"', '5s'],
    ]);
    // The lock holder's stamp survives the reset, so a waiter can still name it.
    expect(rows.every((r) => /^atlas-migrate:demo locked \d{4}-/.test(r.app))).toBe(true);
    const where = await db.query<{ table_schema: string; table_name: string }>(
      "SELECT table_schema, table_name FROM information_schema.tables WHERE table_name IN ('after_baseline', 'in_side', 'after_path') ORDER BY table_name",
    );
    expect(where).toEqual([
      { table_schema: 'public', table_name: 'after_baseline' },
      { table_schema: 'public', table_name: 'after_path' },
      { table_schema: 'side', table_name: 'in_side' },
    ]);
  });

  it('a role’s own search_path cannot scatter a plane’s tables, and SET ROLE does not outlive its migration', async () => {
    const role = `atlas_test_role_${Math.random().toString(36).slice(2, 10)}`;
    const database = new URL(db.url).pathname.slice(1);
    await db.query(`CREATE ROLE ${role} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE`);
    try {
      await db.query(`GRANT CREATE ON DATABASE ${database} TO ${role}`);
      await db.query(`GRANT CREATE, USAGE ON SCHEMA public TO ${role}`);
      await db.query(`CREATE SCHEMA other AUTHORIZATION ${role}`);
      await db.query(`ALTER ROLE ${role} IN DATABASE ${database} SET search_path = other, public`);
      await db.query(`CREATE ROLE ${role}_helper NOLOGIN`);
      await db.query(`GRANT ${role}_helper TO ${role}`);
      await db.query(`GRANT CREATE, USAGE ON SCHEMA public TO ${role}_helper`);
      const url = new URL(db.url);
      url.username = role;
      url.password = '';
      const files = {
        '101_one.sql': 'CREATE TABLE IF NOT EXISTS one (id integer);\n',
        '102_as_helper.sql': `SET ROLE ${role}_helper;\nCREATE TABLE IF NOT EXISTS owned_by_helper (id integer);\n`,
        '103_two.sql': 'CREATE TABLE IF NOT EXISTS two (id integer);\nCREATE TABLE IF NOT EXISTS who (name text);\nINSERT INTO who SELECT current_user;\n',
      };
      const report = await migrate(files, { url: url.toString() });
      expect(report.error).toBeNull();
      const tables = await db.query<{ schemaname: string; tablename: string; tableowner: string }>(
        "SELECT schemaname, tablename, tableowner FROM pg_tables WHERE schemaname IN ('public', 'other') ORDER BY tablename",
      );
      expect(tables.map((t) => `${t.schemaname}.${t.tablename}`)).toEqual([
        'public.one',
        'public.owned_by_helper',
        'public.schema_migrations',
        'public.two',
        'public.who',
      ]);
      expect(tables.find((t) => t.tablename === 'owned_by_helper')!.tableowner).toBe(`${role}_helper`);
      expect(tables.find((t) => t.tablename === 'two')!.tableowner).toBe(role);
      expect(await db.query('SELECT name FROM who')).toEqual([{ name: role }]);
    } finally {
      await db.drop();
      db = await DIALECTS[0].create();
      await db.query(`DROP ROLE IF EXISTS ${role}`);
      await db.query(`DROP ROLE IF EXISTS ${role}_helper`);
    }
  });

  it('keeps the URL’s own start-up options, under the plane’s search_path', async () => {
    const url = new URL(db.url);
    url.searchParams.set('options', '-c lock_timeout=1234 -c search_path=elsewhere');
    const report = await migrate(
      {
        '101_probe.sql':
          "CREATE TABLE IF NOT EXISTS probe AS SELECT current_setting('lock_timeout') AS lock_timeout, current_setting('search_path') AS path;\n",
      },
      { url: url.toString() },
    );
    expect(report.error).toBeNull();
    expect(await db.query('SELECT lock_timeout, path FROM public.probe')).toEqual([{ lock_timeout: '1234ms', path: '"public"' }]);
  });

  it('a plane can own a schema of its own: history and objects live there, public stays empty', async () => {
    const files = {
      '101_a.sql': 'CREATE TABLE IF NOT EXISTS a (id integer);\n',
      '102_b.sql': 'SET search_path TO public;\nCREATE TABLE IF NOT EXISTS b (id integer);\n',
      '103_c.sql': 'CREATE TABLE IF NOT EXISTS c (id integer);\n',
    };
    const report = await migrate(files, { schema: 'tenant_plane' });
    expect(report.error).toBeNull();
    expect(await versions(db, 'tenant_plane.schema_migrations')).toEqual([101, 102, 103]);
    const tables = await db.query<{ t: string }>(
      "SELECT schemaname || '.' || tablename AS t FROM pg_tables WHERE schemaname IN ('public', 'tenant_plane') ORDER BY 1",
    );
    expect(tables.map((r) => r.t)).toEqual(['public.b', 'tenant_plane.a', 'tenant_plane.c', 'tenant_plane.schema_migrations']);
    expect((await migrate(files, { schema: 'tenant_plane' })).alreadyApplied).toEqual([101, 102, 103]);
    // Another schema is another history: nothing of tenant_plane's counts there.
    expect((await migrate(files, { mode: 'dry-run' })).pending.map((m) => m.version)).toEqual([101, 102, 103]);
  });

  it('refuses a statement that would end the transaction behind the parser’s back: none is possible, every form is caught', async () => {
    for (const [statement, kind] of [
      ['START TRANSACTION;', 'begin'],
      ['END;', 'commit'],
      ['BEGIN ISOLATION LEVEL SERIALIZABLE;', 'other'],
      ['COMMIT AND CHAIN;', 'other'],
      ['ROLLBACK TO SAVEPOINT s;', 'other'],
      ["PREPARE TRANSACTION 'x';", 'other'],
    ] as const) {
      const report = await migrate({ '101_x.sql': `CREATE TABLE IF NOT EXISTS x (id integer);\n${statement}\n` });
      expect(report.error, `${statement} (${kind})`).toMatchObject({ code: 'TRANSACTION_CONTROL', statement: 2, line: 2 });
    }
    expect(await db.tableExists('x')).toBe(false);
  });
});

describe('real-world SQL on SQLite only', () => {
  let db: TestDatabase;
  beforeEach(async () => {
    db = await DIALECTS[1].create();
  });
  afterEach(async () => {
    await db.drop();
  });
  const migrate = (files: Record<string, string>, extra: Omit<Run, 'files'> = {}) => migrateWith(db, { files, ...extra });

  const TABLES = {
    '101_tables.sql':
      "CREATE TABLE parent (id INTEGER PRIMARY KEY, name TEXT);\nCREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER NOT NULL REFERENCES parent (id) ON DELETE CASCADE);\nINSERT INTO parent VALUES (1, 'p1'), (2, 'p2');\nINSERT INTO child VALUES (10, 1), (11, 1), (12, 2);\n",
  };

  it('the documented table-rebuild procedure keeps child rows that ON DELETE CASCADE would have deleted', async () => {
    const rebuild = {
      '102_rebuild_parent.sql': [
        '-- parent.name becomes NOT NULL with a default: SQLite needs the rebuild (create, copy, drop, rename)',
        'PRAGMA foreign_keys = OFF;',
        "CREATE TABLE parent_new (id INTEGER PRIMARY KEY, name TEXT NOT NULL DEFAULT '');",
        "INSERT INTO parent_new (id, name) SELECT id, coalesce(name, '') FROM parent;",
        'DROP TABLE parent;',
        'ALTER TABLE parent_new RENAME TO parent;',
        'PRAGMA foreign_keys = ON;',
        '',
      ].join('\n'),
    };
    const report = await migrate({ ...TABLES, ...rebuild });
    expect(report.error).toBeNull();
    expect(report.applied.map((m) => m.version)).toEqual([101, 102]);
    expect(await db.query('SELECT id, parent_id FROM child ORDER BY id')).toEqual([
      { id: 10, parent_id: 1 },
      { id: 11, parent_id: 1 },
      { id: 12, parent_id: 2 },
    ]);
    expect(await db.query('PRAGMA foreign_key_check')).toEqual([]);
  });

  it('a migration that leaves a dangling foreign key fails, naming table and row, and is rolled back', async () => {
    await migrate(TABLES);
    const report = await migrate({ ...TABLES, '102_orphans.sql': 'CREATE TABLE IF NOT EXISTS audit (id INTEGER);\nINSERT INTO child VALUES (13, 99);\n' });
    expect(report.error).toMatchObject({ code: 'FOREIGN_KEY_VIOLATION', version: 102 });
    expect(report.error!.message).toBe(
      'The migration leaves rows whose foreign keys point nowhere (PRAGMA foreign_key_check): child row 13 references a missing row of parent',
    );
    expect(renderPlane(report)).toContain('[DEMO] Migration 102 was rolled back: nothing of it is recorded as applied.');
    expect(await db.tableExists('audit')).toBe(false);
    expect(await db.query('SELECT id FROM child WHERE id = 13')).toEqual([]);
    expect(await versions(db)).toEqual([101]);
  });

  it('splits trigger bodies with CASE … END, and semicolons in strings and comments, keeping lines exact', async () => {
    const sql = [
      'CREATE TABLE IF NOT EXISTS jobs (id INTEGER PRIMARY KEY, state TEXT, label TEXT);',
      'CREATE TRIGGER IF NOT EXISTS jobs_label AFTER INSERT ON jobs',
      'BEGIN',
      '  UPDATE jobs SET label = CASE NEW.state',
      "    WHEN 'done' THEN 'finished; archived'",
      "    ELSE 'open' END",
      '  WHERE id = NEW.id;',
      'END;',
      "INSERT INTO jobs (id, state) VALUES (1, 'done'); -- a comment; with a semicolon",
      "/* a block; comment */ INSERT INTO jobs (id, state) VALUES (2, 'new');",
      'SELECT no_such_column FROM jobs;',
      '',
    ].join('\n');
    const failed = await migrate({ '101_trigger.sql': sql });
    expect(failed.error).toMatchObject({ code: 'STATEMENT_FAILED', statement: 5, line: 11, column: 1 });
    const report = await migrate({ '101_trigger.sql': sql.replace('SELECT no_such_column FROM jobs;', 'SELECT id FROM jobs;') });
    expect(report.error).toBeNull();
    expect(await db.query('SELECT id, label FROM jobs ORDER BY id')).toEqual([
      { id: 1, label: 'finished; archived' },
      { id: 2, label: 'open' },
    ]);
  });

  it('every access of a run waits up to the lock timeout, the first history read included', async () => {
    await migrate(TABLES);
    // Another process holds an EXCLUSIVE lock (readers wait too) for 1.5 s, as a committing writer does.
    const holder = spawn(
      process.execPath,
      [
        '-e',
        `const D = require('better-sqlite3'); const d = new D(${JSON.stringify(sqlitePath(db))}); d.exec('BEGIN EXCLUSIVE'); console.log('locked'); setTimeout(() => { d.exec('ROLLBACK'); d.close(); }, 1500);`,
      ],
      { cwd: join(import.meta.dirname, '..'), stdio: ['ignore', 'pipe', 'inherit'] },
    );
    await new Promise<void>((resolve) => holder.stdout.once('data', () => resolve()));
    const report = await migrate({ ...TABLES, '102_more.sql': 'CREATE TABLE IF NOT EXISTS more (id INTEGER);\n' }, { lockTimeoutMs: 10_000 });
    await new Promise((resolve) => holder.once('close', resolve));
    expect(report.error).toBeNull();
    expect(await versions(db)).toEqual([101, 102]);
  });
});

describe('migration files', () => {
  it('a file that is not valid UTF-8 is refused with its name and the byte offset (exit 2), nothing touched', async () => {
    const dir = migrationFolder({ '101_ok.sql': 'CREATE TABLE IF NOT EXISTS ok (id integer);\n' });
    // "INSERT INTO names VALUES ('Jos" + Latin-1 é + "');"
    writeFileSync(join(dir, '102_latin1.sql'), Buffer.concat([Buffer.from("INSERT INTO names VALUES ('Jos"), Buffer.from([0xe9]), Buffer.from("');\n")]));
    await expect(loadRegistryFromDir(dir, { plane: 'demo' })).rejects.toMatchObject({
      code: 'REGISTRY_INVALID',
      file: '102_latin1.sql',
      message: 'Invalid migration file 102_latin1.sql: not valid UTF-8 at byte offset 30 (bytes e9 27 29 3b); save it as UTF-8',
    });
    const target = join(dir, 'never-created.db');
    const result = await cli(['--url', `sqlite:${target}`, '--dir', dir]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('not valid UTF-8 at byte offset 30');
    expect(result.stdout).toBe('');
  });

  it('a folder file is read as TextDecoder reads it: a byte order mark dropped, a U+FFFD that is in the file kept', async () => {
    const dir = migrationFolder({ '101_bom.sql': '\uFEFFCREATE TABLE bom (id integer);\n', '102_replacement.sql': "SELECT '\uFFFD' AS replacement;\n" });
    const registry = await loadRegistryFromDir(dir, { plane: 'demo' });
    expect(registry.migrations.map((m) => m.scripts.postgres.sql)).toEqual(['CREATE TABLE bom (id integer);\n', "SELECT '\uFFFD' AS replacement;\n"]);
  });

  it("a run reads only its own dialect's files: the other dialect's are read (and refused if broken) only when used", async () => {
    const dir = migrationFolder({
      '101_names.postgres.sql': 'CREATE TABLE IF NOT EXISTS names (name text);\n',
      '101_names.sqlite.sql': 'CREATE TABLE IF NOT EXISTS names (name TEXT);\n',
      '102_seed.sqlite.sql': "INSERT INTO names VALUES ('José');\n",
    });
    // The PostgreSQL file of 102 is Latin-1: broken for PostgreSQL, never needed by a SQLite run.
    writeFileSync(
      join(dir, '102_seed.postgres.sql'),
      Buffer.concat([Buffer.from("INSERT INTO names VALUES ('Jos"), Buffer.from([0xe9]), Buffer.from("');\n")]),
    );
    const registry = await loadRegistryFromDir(dir, { plane: 'demo', sqlVariant: 'sqlite' });
    expect(registry.migrations.map((m) => [m.version, m.scripts.sqlite.checksum])).toEqual([
      [101, checksumSql('CREATE TABLE IF NOT EXISTS names (name TEXT);\n')],
      [102, checksumSql("INSERT INTO names VALUES ('José');\n")],
    ]);
    expect(registry.migrations[1]!.scripts.postgres.file).toBe('102_seed.postgres.sql');
    // Asked for, the other dialect's file is read, and refused as a folder read refuses it.
    expect(() => registry.migrations[1]!.scripts.postgres.sql).toThrow('Invalid migration file 102_seed.postgres.sql: not valid UTF-8 at byte offset 30');
    await expect(loadRegistryFromDir(dir, { plane: 'demo' })).rejects.toMatchObject({ code: 'REGISTRY_INVALID', file: '102_seed.postgres.sql' });

    const target = join(dir, 'app.db');
    const applied = await cli(['--url', `sqlite:${target}`, '--dir', dir]);
    expect(applied.code).toBe(0);
    const sqlite = new Database(target, { readonly: true });
    try {
      expect(sqlite.prepare('SELECT version FROM schema_migrations ORDER BY version').pluck().all()).toEqual([101, 102]);
      expect(sqlite.prepare('SELECT name FROM names').pluck().all()).toEqual(['José']);
    } finally {
      sqlite.close();
    }
    // Against PostgreSQL the broken file is this run's own: refused before connecting (port 1 would fail).
    const refused = await cli(['--url', 'postgres://nobody@127.0.0.1:1/none', '--dir', dir]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('Invalid migration file 102_seed.postgres.sql: not valid UTF-8 at byte offset 30');
    expect(refused.stdout).toBe('');
  });

  it('--status piped into a reader that stops early ends quietly, without an EPIPE stack trace', async () => {
    const files: Record<string, string> = {};
    for (let v = 1001; v <= 2200; v++) files[`${v}_a_rather_long_migration_name_to_fill_the_pipe_buffer_quickly_${v}.sql`] = 'SELECT 1;\n';
    const dir = migrationFolder(files);
    const result = await run('bash', [
      '-c',
      `node "$0" --status --url "sqlite:$1/none.db" --dir "$1" | head -n 1; echo "exit=\${PIPESTATUS[0]}" >&2`,
      join(import.meta.dirname, '../bin/atlas-migrate.cjs'),
      dir,
    ]);
    expect(result.stdout).toBe('=== AtlasAI Migration Status ===\n');
    // The target line is written before the status is read; nothing follows it but the exit status.
    expect(result.stderr).toBe(`[${basename(dir).toUpperCase()}] target: sqlite:${dir}/none.db (--url)\nexit=0\n`);
  });
});
