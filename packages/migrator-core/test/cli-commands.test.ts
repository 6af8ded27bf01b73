import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ATLAS_MIGRATE, cli as inProcess, createPostgresDatabase, DIALECTS, migrationFolder, PROGRESS, run, type TestDatabase } from '@atlasai/test-kit';

const VERSION = (JSON.parse(readFileSync(join(import.meta.dirname, '..', 'package.json'), 'utf8')) as { version: string }).version;

const FILES = {
  '101_create_a.sql': 'CREATE TABLE IF NOT EXISTS a (id integer PRIMARY KEY);\n',
  '102_create_b.sql': '-- b holds things\nCREATE TABLE IF NOT EXISTS b (id integer PRIMARY KEY);\nCREATE INDEX IF NOT EXISTS b_id ON b (id);\n',
  '103_create_c.sql': 'CREATE TABLE IF NOT EXISTS c (id integer PRIMARY KEY);\n',
};

describe('atlas-migrate as a command line', () => {
  it('prints its version, and help per command', async () => {
    expect(await inProcess(['--version'])).toEqual({ code: 0, stdout: `${VERSION}\n`, stderr: '' });
    const help = await inProcess(['--help']);
    expect(help.code).toBe(0);
    for (const command of ['up', 'plan', 'status', 'new', 'baseline', 'repair', 'lint']) expect(help.stdout).toMatch(new RegExp(`^  ${command}\\b`, 'm'));
    const status = await inProcess(['status', '--help']);
    expect(status.stdout).toContain('--exit-code');
    expect((await inProcess(['help', 'repair'])).stdout).toContain('--reason <text>');
  });

  it('a registry’s sql/ folder is its plane by default: the guide’s own --dir prints [CONTROL], not [SQL]', async () => {
    const dbFile = join(migrationFolder({}), 'control.db');
    const result = await inProcess(['plan', '--url', `sqlite:${dbFile}`, '--dir', 'packages/control-migrations/sql']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('[CONTROL] Would apply 7 migration(s): 1001, 1002, 1003, 1004, 1005, 1006, 1007\n');
  });

  it('refuses another tool’s down section or no-transaction directive, naming this tool’s way (exit 2)', async () => {
    const cases: [string, string][] = [
      [
        '-- migrate:up\nCREATE TABLE IF NOT EXISTS t (id integer);\n-- migrate:down\nDROP TABLE t;\n',
        `line 3: "-- migrate:down" is dbmate's down section: it would run right after the up part. This tool is forward-only: delete the down section`,
      ],
      ['-- +goose Up\nCREATE TABLE IF NOT EXISTS t (id integer);\n-- +goose Down\nDROP TABLE t;\n', `line 3: "-- +goose Down" is goose's down section`],
      [
        '-- atlas:txmode none\nCREATE INDEX CONCURRENTLY IF NOT EXISTS i ON t (id);\n',
        `line 1: "-- atlas:txmode none" is Ariga Atlas's no-transaction directive; this tool's is a first line "-- atlas:no-transaction"`,
      ],
      ['--! no-transaction\nSELECT 1;\n', `line 1: "--! no-transaction" is graphile-migrate's no-transaction directive`],
      ['-- +goose NO TRANSACTION\nSELECT 1;\n', `line 1: "-- +goose NO TRANSACTION" is goose's no-transaction directive`],
    ];
    for (const [sql, says] of cases) {
      const dir = migrationFolder({ '101_foreign.sql': sql });
      const result = await inProcess(['--url', `sqlite:${join(dir, 'x.db')}`, '--dir', dir]);
      expect(result.code).toBe(2);
      expect(result.stderr.split('\n')[0]).toContain(`atlas-migrate: Invalid migration file 101_foreign.sql: ${says}`);
      expect(existsSync(join(dir, 'x.db'))).toBe(false);
    }
  });

  it('new: the next free version of the registry’s range, as a pair with a header; a bad name or a full range is refused', async () => {
    const pkg = migrationFolder({});
    writeFileSync(join(pkg, 'package.json'), JSON.stringify({ name: 'demo-migrations', atlasMigrations: { plane: 'demo', range: { min: 2001, max: 2002 } } }));
    const sql = join(pkg, 'sql');
    mkdirSync(sql);
    expect(await inProcess(['new', 'add_widgets', '--dir', sql])).toEqual({
      code: 0,
      stderr: '',
      stdout: `Created ${join(sql, '2001_add_widgets.postgres.sql')}\nCreated ${join(sql, '2001_add_widgets.sqlite.sql')}\n`,
    });
    expect(readFileSync(join(sql, '2001_add_widgets.postgres.sql'), 'utf8').split('\n')[0]).toBe('-- 2001 add_widgets (PostgreSQL)');
    expect(readFileSync(join(sql, '2001_add_widgets.sqlite.sql'), 'utf8').split('\n')[0]).toBe('-- 2001 add_widgets (SQLite)');
    expect((await inProcess(['new', 'add_gadgets', '--dir', sql])).code).toBe(0);
    expect(readdirSync(sql).sort()).toEqual([
      '2001_add_widgets.postgres.sql',
      '2001_add_widgets.sqlite.sql',
      '2002_add_gadgets.postgres.sql',
      '2002_add_gadgets.sqlite.sql',
    ]);
    const full = await inProcess(['new', 'add_more', '--dir', sql]);
    expect([full.code, full.stderr.split('\n')[0]]).toEqual([
      2,
      'atlas-migrate: The range 2001-2002 is full (highest: 2002): no version is left for "add_more"',
    ]);
    const bad = await inProcess(['new', 'AddMore', '--dir', migrationFolder({})]);
    expect([bad.code, bad.stderr.split('\n')[0]]).toEqual([2, 'atlas-migrate: The name must be snake_case ([a-z][a-z0-9]* words joined by _), got "AddMore"']);
    // What new writes is valid SQL that does nothing: left as it is, it is a lint error (untouched-template),
    // and up from this registry folder refuses it rather than record an empty migration forever.
    expect((await inProcess(['lint', sql])).code).toBe(1);
    const refused = await inProcess(['--url', `sqlite:${join(pkg, 'demo.db')}`, '--dir', sql]);
    expect([refused.code, refused.stdout.includes('untouched-template')]).toEqual([2, true]);
  });
});

describe.each(DIALECTS)('atlas-migrate commands on $name', ({ create }) => {
  let db: TestDatabase;
  beforeEach(async () => {
    db = await create();
  });
  afterEach(async () => {
    await db.drop();
  });
  const cli = (command: string, dir: string, ...flags: string[]) => inProcess([command, '--url', db.url, '--dir', dir, '--label', 'demo', ...flags]);
  const history = async () =>
    (await db.query<{ version: number | string; outcome: string }>('SELECT version, outcome FROM schema_migrations ORDER BY version')).map((r) => [
      Number(r.version),
      r.outcome,
    ]);

  it('plan parses every pending migration and reports a syntax error with file, line and column (exit 1), changing nothing', async () => {
    const dir = migrationFolder({ ...FILES, '104_broken.sql': 'CREATE TABLE IF NOT EXISTS d (\n  id integer,\n);\n' });
    const result = await cli('plan', dir);
    expect(result.code).toBe(1);
    // Both databases point at the token their parser stopped at, with the line and a caret under it.
    const where =
      db.dialect === 'postgres'
        ? 'at parsing, line 3, column 1: SQLSTATE 42601: syntax error at or near ")"'
        : 'at statement 1, line 3, column 1: SQLITE_ERROR: near ")": syntax error';
    const excerpt = '[DEMO]   at 104_broken.sql:3:1\n[DEMO]     3 | );\n[DEMO]       | ^\n';
    expect(result.stdout).toContain(
      `[DEMO] Error in migration 104 (broken) ${where}\n${excerpt}[DEMO] Migration 104 was not run: nothing of it is recorded as applied.\n`,
    );
    expect(await db.tableExists('schema_migrations')).toBe(false);
    // A reference to a table the migrations create is not a syntax error.
    const ok = await cli('plan', migrationFolder({ ...FILES, '104_uses_c.sql': 'INSERT INTO c (id) VALUES (1);\n' }));
    expect(ok.code).toBe(0);
  });

  it('plan --sql prints the statements in order, with the transaction boundaries and the history writes', async () => {
    const dir = migrationFolder(FILES);
    expect((await cli('up', dir, '--to', '101')).code).toBe(0);
    const result = await cli('plan', dir, '--sql');
    expect(result.code).toBe(0);
    const sql = result.stdout.split('\n').filter((l) => !l.startsWith('[') && !l.startsWith('===') && !l.startsWith('Mode:'));
    const insert = (v: number, name: string) =>
      new RegExp(
        `^INSERT INTO ${db.dialect === 'postgres' ? '"public"\\.' : ''}schema_migrations \\(version, name, checksum, checksum_algorithm, execution_ms, outcome\\) VALUES \\(${v}, '${name}', '[0-9a-f]{64}', 'sha256-lf-trimmed-v1', <duration>, 'applied'\\);$`,
      );
    const [begin, commit] = db.dialect === 'postgres' ? ['BEGIN;', 'COMMIT;'] : ['SAVEPOINT atlas_migration;', 'RELEASE SAVEPOINT atlas_migration;'];
    const replay = '-- [DEMO] per-migration replay, not the exact wire: up sends these statements and history rows in this order';
    const expected = [
      db.dialect === 'sqlite' ? replay : `${replay}, and may apply several migrations in one transaction (batches)`,
      ...(db.dialect === 'sqlite' ? ['-- [DEMO] one write transaction for the run', 'BEGIN IMMEDIATE;'] : []),
      '',
      '-- [DEMO] 102 create_b (102_create_b.sql)',
      begin,
      'CREATE TABLE IF NOT EXISTS b (id integer PRIMARY KEY);',
      'CREATE INDEX IF NOT EXISTS b_id ON b (id);',
      insert(102, 'create_b'),
      commit,
      '',
      '-- [DEMO] 103 create_c (103_create_c.sql)',
      begin,
      'CREATE TABLE IF NOT EXISTS c (id integer PRIMARY KEY);',
      insert(103, 'create_c'),
      commit,
      ...(db.dialect === 'sqlite' ? ['', 'COMMIT;'] : []),
      '',
    ];
    expect(sql).toHaveLength(expected.length);
    for (const [i, line] of sql.entries()) {
      const want = expected[i];
      if (want instanceof RegExp) expect(line).toMatch(want);
      else expect(line).toBe(want);
    }
    expect(await history()).toEqual([[101, 'applied']]);
  });

  it('status --exit-code gates CI: 1 while anything is pending, 0 once up to date; without it, 0', async () => {
    const dir = migrationFolder(FILES);
    expect((await cli('status', dir, '--exit-code')).code).toBe(1);
    expect((await cli('status', dir)).code).toBe(0);
    expect((await cli('up', dir, '--to', '102')).code).toBe(0);
    expect((await cli('status', dir, '--exit-code')).code).toBe(1);
    expect((await cli('up', dir)).code).toBe(0);
    const upToDate = await cli('status', dir, '--exit-code', '--json');
    expect(upToDate.code).toBe(0);
    const json = JSON.parse(upToDate.stdout);
    expect(json).toMatchObject({ schemaVersion: 2, ok: true, upToDate: true, planes: [{ plane: 'demo', error: null }] });
    // ISO-8601 UTC on both databases.
    for (const entry of json.planes[0].entries) expect(entry.appliedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  it('baseline records what exists without running it, with an audit row, and refuses twice', async () => {
    const dir = migrationFolder(FILES);
    await db.query('CREATE TABLE a (id integer PRIMARY KEY)');
    await db.query('CREATE TABLE b (id integer PRIMARY KEY)');
    const result = await cli('baseline', dir, '--to', '102');
    expect(result.code).toBe(0);
    expect(result.stdout.split('\n').slice(1)).toEqual(['[DEMO] 101 (create_a) recorded as baselined', '[DEMO] 102 (create_b) recorded as baselined', '']);
    expect(await history()).toEqual([
      [101, 'baselined'],
      [102, 'baselined'],
    ]);
    // Nothing ran: 102's index, which the hand-made schema lacks, is still missing.
    const index = db.dialect === 'postgres' ? "SELECT 1 FROM pg_indexes WHERE indexname = 'b_id'" : "SELECT 1 FROM sqlite_master WHERE name = 'b_id'";
    expect(await db.query(index)).toEqual([]);
    const audit = await db.query<{ version: number | string; action: string; old_checksum: string | null; new_checksum: string; reason: string }>(
      'SELECT version, action, old_checksum, new_checksum, reason FROM schema_migrations_audit ORDER BY version',
    );
    expect(audit.map((r) => [Number(r.version), r.action, r.old_checksum, r.reason])).toEqual([
      [101, 'baseline', null, 'baseline --to 102'],
      [102, 'baseline', null, 'baseline --to 102'],
    ]);
    const again = await cli('baseline', dir, '--to', '102');
    expect(again.code).toBe(1);
    expect(again.stdout).toContain('[DEMO] Error: RECOVERY_REFUSED: Cannot baseline demo to 102: 101, 102 already recorded in schema_migrations.');
    const up = await cli('up', dir);
    expect(up.stdout).toContain('[DEMO] Applied 1 migration(s): 103\n[DEMO] Skipped 2 already-applied migration(s)\n');
  });

  it('repair re-records a changed checksum with the reason and both checksums; never a migration that is not applied', async () => {
    const dir = migrationFolder(FILES);
    expect((await cli('up', dir, '--to', '102')).code).toBe(0);
    // A statement added: an edit of comments alone would only warn (checksum-edits.test.ts).
    writeFileSync(join(dir, '101_create_a.sql'), `${FILES['101_create_a.sql']}SELECT 1;\n`);
    expect((await cli('up', dir)).stdout).toContain('CHECKSUM_MISMATCH');
    const [before] = await db.query<{ checksum: string }>('SELECT checksum FROM schema_migrations WHERE version = 101');

    const notApplied = await cli('repair', dir, '--version', '103', '--reason', 'x');
    expect(notApplied.code).toBe(1);
    expect(notApplied.stdout).toContain(
      '[DEMO] Error: RECOVERY_REFUSED: Migration 103 (create_c) is not applied: repair only re-records applied migrations (run it instead)',
    );

    const repaired = await cli('repair', dir, '--version', '101', '--reason', 'comment added after it ran');
    expect(repaired.code).toBe(0);
    const [after] = await db.query<{ checksum: string }>('SELECT checksum FROM schema_migrations WHERE version = 101');
    expect(after!.checksum).not.toBe(before!.checksum);
    expect(repaired.stdout).toContain(
      `[DEMO] 101 (create_a) checksum re-recorded: ${before!.checksum} -> ${after!.checksum} (reason: comment added after it ran)`,
    );
    expect(await db.query('SELECT version, action, old_checksum, new_checksum, reason FROM schema_migrations_audit')).toEqual([
      {
        version: db.dialect === 'postgres' ? '101' : 101,
        action: 'repair',
        old_checksum: before!.checksum,
        new_checksum: after!.checksum,
        reason: 'comment added after it ran',
      },
    ]);
    const up = await cli('up', dir);
    expect([up.code, up.stdout.includes('[DEMO] Applied 1 migration(s): 103')]).toEqual([0, true]);
  });
});

describe('live progress on PostgreSQL', () => {
  let db: TestDatabase;
  beforeEach(async () => {
    db = await createPostgresDatabase();
  });
  afterEach(async () => {
    await db.drop();
  });

  it('prints each line as it happens: the migration’s start and heartbeats arrive before a slow statement ends', async () => {
    const dir = migrationFolder({ '101_quick.sql': 'SELECT 1;\n', '102_slow.sql': '-- slow on purpose\nSELECT pg_sleep(2.5);\n' });
    const child = spawn(process.execPath, [ATLAS_MIGRATE, 'up', '--url', db.url, '--dir', dir, '--label', 'demo', '--heartbeat', '1'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const started = performance.now();
    const seen: { at: number; line: string }[] = [];
    let buffer = '';
    child.stderr.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      const lines = buffer.split('\n');
      buffer = lines.pop()!;
      for (const line of lines) seen.push({ at: performance.now() - started, line });
    });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    const ended = performance.now() - started;
    expect(code).toBe(0);
    expect(`${seen.map((s) => s.line).join('\n')}\n`).toEqual(PROGRESS);
    const applying = seen.find((s) => s.line === '[DEMO] Applying 102 (slow)...')!;
    const beats = seen.filter((s) => /^\[DEMO\] Still running 102, statement 1 \(line 2\): SELECT pg_sleep\(2\.5\) \(\d+ s\)$/.test(s.line));
    expect(applying.at).toBeLessThan(ended - 2000);
    expect(beats.length).toBeGreaterThanOrEqual(1);
    expect(beats[0]!.at).toBeLessThan(ended - 500);
    // The target line (said before connecting) is not progress of the run.
    expect(
      seen
        .filter((s) => !s.line.startsWith('[DEMO] target: '))
        .map((s) => s.line.replace(/\d+ ms$/, 'N ms').replace(/\(\d+ s\)$/, '(N s)'))
        .filter((l, i, all) => all.indexOf(l) === i),
    ).toEqual([
      // "Connecting to database..." and "Connected." are the report's own lines: stdout has them, stderr does not.
      '[DEMO] Applying 101 (quick)...',
      '[DEMO] Applied 101 in N ms',
      '[DEMO] Applying 102 (slow)...',
      '[DEMO] Still running 102, statement 1 (line 2): SELECT pg_sleep(2.5) (N s)',
      '[DEMO] Applied 102 in N ms',
    ]);
    // stdout keeps exactly the report.
    expect(stdout).toContain('[DEMO] Applied 2 migration(s): 101, 102\n');
    expect(stdout).not.toContain('Applying');
  });

  it('npm run migrate:new refuses an unknown plane with its usage (exit 2)', async () => {
    const result = await run(process.execPath, ['scripts/migrate-new.mjs', 'nope', 'add_x']);
    expect(result).toEqual({ code: 2, stdout: '', stderr: 'Usage: npm run migrate:new -- <control|tenant> <snake_case_name>\n' });
  });
});
