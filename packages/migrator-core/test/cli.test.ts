import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterEach, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { redactUrl } from '@atlasai/migrator-core';
import { migrationLockKey } from '../src/dialects/postgres/index.js';
import { PARSER_GRAMMAR_MAJOR } from '../src/dialects/postgres/session.js';
import {
  ATLAS_MIGRATE,
  atlasMigrate,
  cli,
  createPostgresDatabase,
  DIALECTS,
  HISTORY_COLUMNS,
  migrationFolder,
  PROGRESS,
  REPO_ROOT,
  run,
  type RunResult,
  sqlitePath,
  type TestDatabase,
} from '@atlasai/test-kit';

const log = (version: number) => `INSERT INTO run_log (version) VALUES (${version});\n`;

/** None of these is idempotent on its own: a second run of any of them adds a second run_log row. */
const BASE = {
  '101_create_run_log.sql': `CREATE TABLE run_log (version integer NOT NULL);\n${log(101)}`,
  '102_create_widgets.sql': `CREATE TABLE widgets (id integer PRIMARY KEY, name text NOT NULL);\n${log(102)}`,
};

/** 103 fails at its third statement (line 5), after it created a table and wrote a row; 104 comes after it. */
const BROKEN = {
  '103_gadgets.sql': [
    '-- the third statement is wrong on purpose',
    'CREATE TABLE gadgets (id integer PRIMARY KEY);',
    log(103).trim(),
    '',
    'SELECT no_such_column',
    '  FROM gadgets;',
    'CREATE TABLE gizmos (id integer PRIMARY KEY);',
    '',
  ].join('\n'),
  '104_later.sql': `CREATE TABLE later (id integer);\n${log(104)}`,
};

/** Four migrations, one slow enough that concurrent runs overlap. */
const CONCURRENT = {
  ...BASE,
  '103_slow.postgres.sql': `SELECT pg_sleep(0.3);\n${log(103)}`,
  '103_slow.sqlite.sql': `WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 1000000) SELECT count(*) FROM c;\n${log(103)}`,
  '104_widget_color.sql': `ALTER TABLE widgets ADD COLUMN color text;\n${log(104)}`,
};

/** The whole text report of plane DEMO: body lines without a `[` get the `[DEMO] ` tag. */
function report(mode: 'APPLY' | 'DRY RUN', ...body: string[]): string {
  const lines = [
    '=== AtlasAI Versioned Migration Runner ===',
    `Mode: ${mode}`,
    '[DEMO] Connecting to database...',
    ...body.map((l) => (l.startsWith('[') ? l : `[DEMO] ${l}`)),
  ];
  return lines.map((l) => `${l}\n`).join('');
}
const DONE = ['All migrations completed successfully.', '[OK] Migration run complete.'];
const FAILED = '[FAIL] Migration run failed for DEMO.';

async function versions(db: TestDatabase, table: 'run_log' | 'schema_migrations'): Promise<number[]> {
  return (await db.query<{ version: number | string }>(`SELECT version FROM ${table} ORDER BY version`)).map((r) => Number(r.version));
}

/** The NDJSON log lines among stderr's lines. */
function logLines(stderr: string): Record<string, unknown>[] {
  return stderr
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** Holds plane `demo`'s migration lock from another connection, as a concurrent runner would. */
async function holdLock(db: TestDatabase): Promise<{ pid: number | null; release(): Promise<void> }> {
  if (db.dialect === 'postgres') {
    const client = new pg.Client({ connectionString: db.url, application_name: 'atlas-test-holder' });
    await client.connect();
    await client.query('SELECT pg_advisory_lock($1::bigint)', [migrationLockKey().toString()]);
    const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    return { pid: rows[0]!.pid, release: () => client.end() };
  }
  const holder = new Database(sqlitePath(db));
  holder.exec('BEGIN IMMEDIATE');
  return {
    pid: null,
    async release() {
      holder.exec('ROLLBACK');
      holder.close();
    },
  };
}

/** Each run exited 0 with the exact report; together they applied every migration exactly once. */
function expectEachAppliedOnce(runs: readonly RunResult[], all: readonly number[]): void {
  let appliedInTotal = 0;
  for (const run of runs) {
    const applied = Number(/Applied (\d+) migration\(s\)/.exec(run.stdout)?.[1] ?? 0);
    const skipped = all.length - applied;
    appliedInTotal += applied;
    expect(run).toEqual({
      code: 0,
      stderr: PROGRESS,
      stdout: report(
        'APPLY',
        'Connected.',
        ...(applied > 0 ? [`Applied ${applied} migration(s): ${all.slice(skipped).join(', ')}`] : []),
        ...(skipped > 0 ? [`Skipped ${skipped} already-applied migration(s)`] : []),
        ...DONE,
      ),
    });
  }
  expect(appliedInTotal).toBe(all.length);
}

describe.each(DIALECTS)('atlas-migrate on $name', ({ create }) => {
  let db: TestDatabase;
  beforeEach(async () => {
    db = await create();
  });
  afterEach(async () => {
    await db.drop();
  });

  const migrate = (files: Record<string, string>, ...flags: string[]) => cli(['--url', db.url, '--dir', migrationFolder(files), '--label', 'Demo', ...flags]);
  const target = () => (db.dialect === 'postgres' ? redactUrl(db.url) : sqlitePath(db));
  const failure = () =>
    db.dialect === 'postgres'
      ? { column: 8, sqlstate: '42703', dbCode: null, message: 'column "no_such_column" does not exist', code: 'SQLSTATE 42703' }
      : { column: 1, sqlstate: null, dbCode: 'SQLITE_ERROR', message: 'no such column: no_such_column', code: 'SQLITE_ERROR' };

  /** plan's note on a PostgreSQL server older than libpg-query's grammar (plan-grammar.test.ts). */
  const grammarNote = async (): Promise<string[]> => {
    if (db.dialect !== 'postgres') return [];
    const server = Math.floor(Number((await db.query<{ v: string }>("SELECT current_setting('server_version_num') AS v"))[0]!.v) / 10_000);
    return server < PARSER_GRAMMAR_MAJOR
      ? [
          `Note: syntax was checked with PostgreSQL ${PARSER_GRAMMAR_MAJOR}'s grammar (libpg-query); this server runs PostgreSQL ${server}, which may reject what that grammar accepts, so \`up\` can still fail on syntax.`,
        ]
      : [];
  };

  it('prints the exact report for a dry run, an apply, a re-run and a dry run with nothing to do', async () => {
    const dry = report(
      'DRY RUN',
      'Connected.',
      'Would apply 2 migration(s): 101, 102',
      ...(await grammarNote()),
      'Dry run: no changes were made.',
      '[OK] Dry run complete. No changes were made.',
    );
    expect(await migrate(BASE, '--dry-run')).toEqual({ code: 0, stderr: PROGRESS, stdout: dry });
    expect(await db.tableExists('schema_migrations')).toBe(false);

    expect(await migrate(BASE)).toEqual({ code: 0, stderr: PROGRESS, stdout: report('APPLY', 'Connected.', 'Applied 2 migration(s): 101, 102', ...DONE) });
    expect(await migrate(BASE)).toEqual({
      code: 0,
      stderr: PROGRESS,
      stdout: report('APPLY', 'Connected.', 'Skipped 2 already-applied migration(s)', ...DONE),
    });
    const nothing = report(
      'DRY RUN',
      'Connected.',
      'Nothing to apply.',
      'Skipped 2 already-applied migration(s)',
      'Dry run: no changes were made.',
      '[OK] Dry run complete. No changes were made.',
    );
    expect(await migrate(BASE, '--dry-run')).toEqual({ code: 0, stderr: PROGRESS, stdout: nothing });
    expect(await versions(db, 'schema_migrations')).toEqual([101, 102]);
    expect(await versions(db, 'run_log')).toEqual([101, 102]);
    expect(await db.columns('widgets')).toEqual(['id', 'name']);
  });

  it('rolls back a migration that fails mid-way, keeps the earlier ones, and says where it failed', async () => {
    const { column, code, message } = failure();
    const result = await migrate({ ...BASE, ...BROKEN });
    expect(result).toEqual({
      code: 1,
      stderr: PROGRESS,
      stdout: report(
        'APPLY',
        'Connected.',
        'Applied 2 migration(s): 101, 102',
        'Errors: 1 migration(s) failed: 103',
        `Error in migration 103 (gadgets) at statement 3, line 5, column ${column}: ${code}: ${message}`,
        `  at 103_gadgets.sql:5:${column}`,
        '    5 | SELECT no_such_column',
        `      | ${' '.repeat(column - 1)}^`,
        'Migration 103 was rolled back: nothing of it is recorded as applied.',
        'Not run: 104',
        FAILED,
      ),
    });
    for (const table of ['gadgets', 'gizmos', 'later']) expect(await db.tableExists(table)).toBe(false);
    expect(await versions(db, 'schema_migrations')).toEqual([101, 102]);
    expect(await versions(db, 'run_log')).toEqual([101, 102]);
  });

  it('prints one JSON document with --json, for a failed apply and for a dry run', async () => {
    const { column, sqlstate, dbCode, message } = failure();
    const failed = await migrate({ ...BASE, ...BROKEN }, '--json');
    expect([failed.code, failed.stderr]).toEqual([1, PROGRESS]);
    const json = JSON.parse(failed.stdout);
    // Every documented field with its exact value; a field added later (e.g. outOfOrder) is allowed.
    expect(json).toMatchObject({
      ok: false,
      mode: 'apply',
      planes: [
        {
          plane: 'demo',
          target: target(),
          ok: false,
          applied: [
            { version: 101, name: 'create_run_log', outcome: 'applied', durationMs: expect.any(Number) },
            { version: 102, name: 'create_widgets', outcome: 'applied', durationMs: expect.any(Number) },
          ],
          alreadyApplied: [],
          pending: [
            { version: 103, name: 'gadgets' },
            { version: 104, name: 'later' },
          ],
          unknownApplied: [],
          error: {
            code: 'STATEMENT_FAILED',
            message,
            version: 103,
            name: 'gadgets',
            statement: 3,
            line: 5,
            column,
            sqlstate,
            dbCode,
            detail: null,
            hint: null,
          },
        },
      ],
    });
    for (const m of json.planes[0].applied) expect(m.durationMs).toBeGreaterThanOrEqual(0);

    const dry = await migrate({ ...BASE, ...BROKEN }, '--json', '--dry-run');
    expect([dry.code, dry.stderr]).toEqual([0, PROGRESS]);
    expect(JSON.parse(dry.stdout)).toMatchObject({
      ok: true,
      mode: 'dry-run',
      planes: [
        {
          plane: 'demo',
          target: target(),
          ok: true,
          applied: [],
          alreadyApplied: [101, 102],
          pending: [
            { version: 103, name: 'gadgets' },
            { version: 104, name: 'later' },
          ],
          unknownApplied: [],
          error: null,
        },
      ],
    });
  });

  it('applies pending migrations up to and including --to', async () => {
    expect(await migrate(BASE, '--to', '101')).toEqual({
      code: 0,
      stderr: PROGRESS,
      stdout: report('APPLY', 'Connected.', 'Applied 1 migration(s): 101', 'Left pending (beyond --to): 102', ...DONE),
    });
    expect(await versions(db, 'schema_migrations')).toEqual([101]);
    expect(await db.tableExists('widgets')).toBe(false);
    const next = await migrate({ ...BASE, ...BROKEN }, '--to', '102');
    expect(next).toEqual({
      code: 0,
      stderr: PROGRESS,
      stdout: report(
        'APPLY',
        'Connected.',
        'Applied 1 migration(s): 102',
        'Skipped 1 already-applied migration(s)',
        'Left pending (beyond --to): 103, 104',
        ...DONE,
      ),
    });
    expect(await versions(db, 'run_log')).toEqual([101, 102]);
  });

  it('--status lists every migration with its state, and exits 1 once an applied one changed', async () => {
    expect((await migrate(BASE, '--to', '101')).code).toBe(0);
    await db.query("INSERT INTO schema_migrations (version, name) VALUES (150, 'from_newer_release')");
    const status = async (files: Record<string, string>) => {
      const result = await migrate(files, '--status');
      return { ...result, stdout: result.stdout.replace(/\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d\.\d+(Z|\+00)/g, '<at>') };
    };
    const table = (first: string) =>
      [
        '=== AtlasAI Migration Status ===',
        `[DEMO] ${target()}`,
        '[DEMO] version  name               state    applied_at',
        first,
        '[DEMO] 102      create_widgets     pending  -',
        '[DEMO] 150      from_newer_release unknown  <at>',
      ]
        .map((l) => `${l}\n`)
        .join('');
    expect(await status(BASE)).toEqual({ code: 0, stderr: PROGRESS, stdout: table('[DEMO] 101      create_run_log     applied  <at>') });

    const edited = { ...BASE, '101_create_run_log.sql': `${BASE['101_create_run_log.sql']}${log(100)}` };
    expect(await status(edited)).toEqual({ code: 1, stderr: PROGRESS, stdout: table('[DEMO] 101      create_run_log     changed  <at>') });
    const apply = await migrate(edited);
    const mismatch =
      'Error: CHECKSUM_MISMATCH: Applied migration SQL has changed since it ran: 101 (create_run_log, 101_create_run_log.sql): recorded <sha>, file <sha>. Applied migrations are immutable: restore the file and put the change in a new migration.';
    const hint = expect.stringMatching(
      /^ {2}Hint: if the edit was deliberate and the database already is what the file now says, re-record it: atlas-migrate repair --dir \S+ --url \S+ --version 101 --reason "…"$/,
    );
    expect({ ...apply, stdout: apply.stdout.replace(/\b[0-9a-f]{12}\b/g, '<sha>') }).toEqual({ code: 1, stderr: PROGRESS, stdout: expect.any(String) });
    expect(
      apply.stdout
        .replace(/\b[0-9a-f]{12}\b/g, '<sha>')
        .split('\n')
        .slice(0, -1)
        .map((l) => l.replace(/^\[DEMO\] /, '')),
    ).toEqual([
      ...report(
        'APPLY',
        'Connected.',
        'Skipped 1 already-applied migration(s)',
        'Note: 1 applied migration(s) unknown to this release, left as they are: 150',
        mismatch,
      )
        .split('\n')
        .slice(0, -1)
        .map((l) => l.replace(/^\[DEMO\] /, '')),
      hint,
      'Nothing was changed.',
      'Not run: 102',
      FAILED,
    ]);
    expect(await db.tableExists('widgets')).toBe(false);
  });

  it('exits 3 when another session holds the lock past --lock-timeout, naming the holder and changing nothing', async () => {
    const holder = await holdLock(db);
    let result: RunResult;
    try {
      result = await migrate(BASE, '--lock-timeout', '1');
    } finally {
      await holder.release();
    }
    const error =
      db.dialect === 'postgres'
        ? new RegExp(
            `^\\[DEMO\\] Error: LOCK_TIMEOUT: Timed out after 1 s waiting for the migration lock on "public".schema_migrations, held by pid ${holder.pid} \\(atlas-test-holder\\)( from \\S+)?, connected since \\d{4}-\\S+Z, idle$`,
          )
        : `[DEMO] Error: LOCK_TIMEOUT: Timed out after 1 s waiting for the write lock on ${sqlitePath(db)}, held by another process migrating or writing this file`;
    const lines = result.stdout.split('\n');
    expect([result.code, result.stderr]).toEqual([3, PROGRESS]);
    if (db.dialect === 'postgres')
      expect(result.stderr).toMatch(new RegExp(`^\\[DEMO\\] Waiting for the migration lock, held by pid ${holder.pid} \\(atlas-test-holder\\)`, 'm'));
    else expect(result.stderr).toContain(`[DEMO] Waiting for the migration lock, held by another process writing ${sqlitePath(db)}\n`);
    const hint =
      '  Hint: another run of this database may still be migrating; wait longer with --lock-timeout <seconds> (a service: MIGRATION_LOCK_TIMEOUT_SECONDS), or end the holder named above';
    expect(lines.filter((l) => !l.includes('Error: LOCK_TIMEOUT')).join('\n')).toBe(
      report('APPLY', 'Connected.', hint, 'Nothing was changed.', 'Not run: 101, 102', FAILED),
    );
    expect(lines[4]).toMatch(error);
    expect(await db.tableExists('run_log')).toBe(false);
    expect(await db.tableExists('schema_migrations')).toBe(false);
    expect((await migrate(BASE, '--lock-timeout', '1')).code).toBe(0);
  });

  it.each([2, 8])('%i concurrent processes apply each migration exactly once', async (n) => {
    const dir = migrationFolder(CONCURRENT);
    const runs = await Promise.all(Array.from({ length: n }, () => atlasMigrate(['--url', db.url, '--dir', dir, '--label', 'demo', '--lock-timeout', '60'])));
    expectEachAppliedOnce(runs, [101, 102, 103, 104]);
    expect(await versions(db, 'run_log')).toEqual([101, 102, 103, 104]);
    expect(await versions(db, 'schema_migrations')).toEqual([101, 102, 103, 104]);
    expect(await db.columns('widgets')).toEqual(['color', 'id', 'name']);
  });

  it('4 concurrent processes adopt a three-column schema_migrations of an older runner and apply each migration once', async () => {
    const appliedAt = db.dialect === 'postgres' ? 'timestamptz NOT NULL DEFAULT now()' : "TEXT NOT NULL DEFAULT (datetime('now'))";
    await db.query(`CREATE TABLE schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at ${appliedAt})`);
    const dir = migrationFolder(CONCURRENT);
    const runs = await Promise.all(Array.from({ length: 4 }, () => atlasMigrate(['--url', db.url, '--dir', dir, '--label', 'demo', '--lock-timeout', '60'])));
    expectEachAppliedOnce(runs, [101, 102, 103, 104]);
    expect(await versions(db, 'run_log')).toEqual([101, 102, 103, 104]);
    expect(await db.columns('schema_migrations')).toEqual(HISTORY_COLUMNS);
  });
});

describe('atlas-migrate never prints a PostgreSQL password', () => {
  const SECRET = 'Sup3r-S3cret-pw';
  let db: TestDatabase;
  let url: string;
  beforeEach(async () => {
    db = await createPostgresDatabase();
    // A role whose password really is SECRET, so this holds under password authentication too (the
    // throwaway server), not only where the server trusts every connection.
    // Least privilege: never a superuser on the server the tests find, only what the migrations need.
    await db.query(
      `DO $$ BEGIN CREATE ROLE atlas_redaction_probe LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD '${SECRET}'; EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$`,
    );
    await db.query('GRANT USAGE, CREATE ON SCHEMA public TO atlas_redaction_probe');
    const withPassword = new URL(db.url);
    withPassword.username = 'atlas_redaction_probe';
    withPassword.password = SECRET;
    url = withPassword.toString();
  });
  afterEach(async () => {
    await db.drop();
    const admin = new pg.Client({ connectionString: inject('pgAdminUrl') });
    await admin.connect();
    await admin.query('DROP ROLE IF EXISTS atlas_redaction_probe');
    await admin.end();
  });

  const run = async (files: Record<string, string>, args: string[], env?: Record<string, string>) => {
    const result = await cli([...args, '--dir', migrationFolder(files), '--label', 'demo'], env);
    expect(result.stdout + result.stderr).not.toContain(SECRET);
    return result;
  };
  const redacted = () => url.replace(`:${SECRET}@`, ':***@');

  it('on success, on a statement failure, with --json and with --status', async () => {
    expect(await run(BASE, ['--url', url])).toMatchObject({ code: 0, stdout: report('APPLY', 'Connected.', 'Applied 2 migration(s): 101, 102', ...DONE) });
    const failed = await run({ ...BASE, ...BROKEN }, ['--url', url]);
    expect(failed.code).toBe(1);
    expect(failed.stdout).toContain(
      '[DEMO] Error in migration 103 (gadgets) at statement 3, line 5, column 8: SQLSTATE 42703: column "no_such_column" does not exist\n',
    );
    const json = await run({ ...BASE, ...BROKEN }, ['--url', url, '--json']);
    expect(JSON.parse(json.stdout).planes[0]).toMatchObject({ target: redacted(), ok: false, alreadyApplied: [101, 102] });
    expect(redacted()).toContain('atlas_redaction_probe:***@');
    const status = await run(BASE, ['--url', url, '--status']);
    expect(status.code).toBe(0);
    expect(status.stdout.split('\n')[1]).toBe(`[DEMO] ${redacted()}`);
  });

  it('when the connection fails, showing the redacted target instead (text, --json, --status)', async () => {
    const closed = `postgresql://atlas_redaction_probe:${SECRET}@127.0.0.1:1/${new URL(db.url).pathname.slice(1)}`;
    const reason = `Cannot connect to ${closed.replace(SECRET, '***')}: connect ECONNREFUSED 127.0.0.1:1`;
    const text = await run(BASE, ['--url', closed, '--wait', '0']);
    expect({ code: text.code, stdout: text.stdout }).toEqual({
      code: 1,
      stdout: report('APPLY', `Error: CONNECTION_FAILED: ${reason}`, 'Nothing was changed.', FAILED),
    });
    // A password on the command line works, with a warning pointing at DATABASE_URL; from the variable, no warning.
    expect(text.stderr).toContain(
      'atlas-migrate: warning: the --url carries a password, visible in the process list and shell history; set DATABASE_URL instead\n',
    );
    const fromEnv = await run(BASE, ['--wait', '0'], { DATABASE_URL: closed });
    expect(fromEnv.stdout).toBe(text.stdout);
    expect(fromEnv.stderr).toEqual(PROGRESS);
    const json = await run(BASE, ['--url', closed, '--json', '--wait', '0']);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout).planes[0]).toMatchObject({
      target: closed.replace(SECRET, '***'),
      ok: false,
      error: { code: 'CONNECTION_FAILED', message: reason },
    });
    const status = await run(BASE, ['--url', closed, '--status', '--wait', '0']);
    expect(status.code).toBe(1);
    expect(status.stdout.split('\n')[2]).toBe(`[DEMO] Error: ${reason}`);
    const debug = await run(BASE, ['--url', closed, '--wait', '0'], { ATLAS_LOG: 'debug' });
    expect(logLines(debug.stderr).find((l) => l.msg === 'connection failed')).toMatchObject({
      level: 'info',
      plane: 'demo',
      target: closed.replace(SECRET, '***'),
    });
  });

  it('in the ATLAS_LOG=debug narration on stderr', async () => {
    const result = await run(BASE, ['--url', url], { ATLAS_LOG: 'DEBUG' });
    expect(result.code).toBe(0);
    const lines = logLines(result.stderr);
    expect(lines.find((l) => l.msg === 'applying migration')).toMatchObject({
      level: 'info',
      name: 'create_run_log',
      plane: 'demo',
      version: 101,
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
    });
    expect(lines.find((l) => l.msg === 'applied migration' && l.version === 102)).toMatchObject({
      level: 'info',
      plane: 'demo',
      outcome: 'applied',
      durationMs: expect.any(Number),
    });
  });

  it('when the URL is given without --url, as a stray argument', async () => {
    const result = await run(BASE, [url]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`atlas-migrate: unknown command '${redacted()}'`);
  });
});

describe('atlas-migrate exits 2 on bad usage or configuration, touching no database', () => {
  const good = migrationFolder(BASE);
  const unreadable = migrationFolder({ '102_b.sql': 'SELECT 1;\n' });
  mkdirSync(join(unreadable, '101_a.sql'));
  const dbFile = join(migrationFolder({}), 'never.db');
  const sqlite = ['--url', `sqlite:${dbFile}`];
  const cases: [string, string[], string | RegExp][] = [
    ['an unknown flag', [...sqlite, '--dir', good, '--bogus'], "atlas-migrate: unknown option '--bogus'"],
    ['a missing --url', ['--dir', good], 'atlas-migrate: No database: pass --url or set DATABASE_URL'],
    ['a missing --dir', sqlite, "atlas-migrate: required option '--dir <folder>' not specified"],
    [
      'a non-numeric --to',
      [...sqlite, '--dir', good, '--to', 'next'],
      "atlas-migrate: option '--to <version>' argument 'next' is invalid. --to takes a whole number, got \"next\"",
    ],
    ['an unknown ATLAS_LOG level', [...sqlite, '--dir', good], 'atlas-migrate: ATLAS_LOG must be one of silent, error, warn, info, debug, got "verbose"'],
    ['a mistyped command', ['stauts', ...sqlite, '--dir', good], "atlas-migrate: unknown command 'stauts'"],
    ['--status with --dry-run', [...sqlite, '--dir', good, '--status', '--dry-run'], 'atlas-migrate: --status and --dry-run cannot be combined'],
    [
      'an unsupported URL',
      ['--url', 'mysql://u:p@h/db', '--dir', good],
      'atlas-migrate: Unsupported database URL mysql://***@h/db: expected postgres://, postgresql://, sqlite:<path>, file:<path> or a file path',
    ],
    [
      'a PostgreSQL URL pg cannot read',
      ['--url', 'postgresql://postgres:s3cret@[::1/db', '--dir', good],
      /^atlas-migrate: Invalid PostgreSQL URL \(.*the URL is not shown because it may hold a password/,
    ],
    [
      'a missing folder',
      [...sqlite, '--dir', '/nonexistent/atlas'],
      "atlas-migrate: Cannot read migration folder /nonexistent/atlas: ENOENT: no such file or directory, scandir '/nonexistent/atlas'",
    ],
    ['a folder with an unreadable migration', [...sqlite, '--dir', unreadable], /^atlas-migrate: .*101_a\.sql/],
    [
      'a badly named file',
      [...sqlite, '--dir', migrationFolder({ '1_Bad-Name.sql': 'SELECT 1;\n' })],
      'atlas-migrate: Invalid migration file 1_Bad-Name.sql: the name "Bad-Name" must match [a-z0-9_]+',
    ],
    [
      'two files with one version',
      [...sqlite, '--dir', migrationFolder({ '101_a.sql': 'SELECT 1;\n', '101_b.sql': 'SELECT 2;\n' })],
      'atlas-migrate: Invalid migration file 101_b.sql: version 101 is also named "a" by another file (duplicate version)',
    ],
    ['an invalid --label', [...sqlite, '--dir', good, '--label', 'My Plane'], 'atlas-migrate: Invalid plane name "my plane": expected [a-z][a-z0-9_-]*'],
  ];

  it.each(cases)('%s', async (name, args, firstLine) => {
    const result = await cli(args, name.includes('ATLAS_LOG') ? { ATLAS_LOG: 'verbose' } : { ATLAS_LOG: undefined, DATABASE_URL: undefined });
    expect([result.code, result.stdout]).toEqual([2, '']);
    const first = result.stderr.split('\n')[0]!;
    if (typeof firstLine === 'string') expect(first).toBe(firstLine);
    else expect(first).toMatch(firstLine);
    expect(existsSync(dbFile)).toBe(false);
  });
});

describe('atlas-migrate loads only what a command uses (start-up cost: docs/benchmarks.md)', () => {
  let dir: string;
  /** Preloaded into a process: at exit, says on stderr which of node:crypto and the heavy packages were loaded. */
  let probe: string;
  beforeAll(() => {
    dir = migrationFolder(BASE);
    probe = join(dir, 'probe.cjs');
    writeFileSync(
      probe,
      "process.on('exit', () => process.stderr.write('\\nLOADED ' + JSON.stringify({ crypto: process.moduleLoadList.includes('NativeModule crypto'), packages: [...new Set(Object.keys(require.cache).map((p) => /node_modules[\\\\/](pg|better-sqlite3|libpg-query)[\\\\/]/.exec(p)?.[1]).filter(Boolean))].sort() })));\n",
    );
  });
  const loaded = (stderr: string) => JSON.parse(/\nLOADED (.*)$/.exec(stderr)![1]!) as { crypto: boolean; packages: string[] };

  it('--version loads no driver, no parser and not node:crypto; a SQLite run hashes its files and loads better-sqlite3 alone', async () => {
    const version = await run(process.execPath, ['--require', probe, ATLAS_MIGRATE, '--version']);
    expect([version.code, version.stdout]).toEqual([
      0,
      `${JSON.parse(readFileSync(join(REPO_ROOT, 'packages/migrator-core/package.json'), 'utf8')).version}\n`,
    ]);
    expect(loaded(version.stderr)).toEqual({ crypto: false, packages: [] });

    const up = await run(process.execPath, ['--require', probe, ATLAS_MIGRATE, 'up', '--url', `sqlite:${join(dir, 'cli.db')}`, '--dir', dir]);
    expect(up.code).toBe(0);
    expect(loaded(up.stderr)).toEqual({ crypto: true, packages: ['better-sqlite3'] });
  });

  it('a SQLite apply and a no-op from a built registry hash nothing: node:crypto is never loaded', async () => {
    // A script file, not `node -e`: Node loads node:crypto itself for code given with -e.
    const script = join(dir, 'built.mjs');
    const url = `sqlite:${join(dir, 'built.db')}`;
    writeFileSync(
      script,
      `const { registry } = await import(${JSON.stringify(join(REPO_ROOT, 'packages/control-migrations/dist/index.js'))});
const engine = await import(${JSON.stringify(join(REPO_ROOT, 'packages/migrator-core/dist/index.js'))});
const reports = [];
for (let i = 0; i < 2; i++) reports.push(await engine.runMigrations({ registry, dialect: await engine.createDialect(${JSON.stringify(url)}, engine.silentLogger), mode: 'apply', logger: engine.silentLogger }));
process.stdout.write(JSON.stringify(reports.map((r) => [r.ok, r.applied.length])));
`,
    );
    const result = await run(process.execPath, ['--require', probe, script]);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual([
      [true, 7],
      [true, 0],
    ]);
    expect(loaded(result.stderr)).toEqual({ crypto: false, packages: ['better-sqlite3'] });
  });
});
