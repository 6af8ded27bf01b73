import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { redactUrl } from '@atlasai/migrator-core';
import { normalizeStatements } from '../src/dialects/statements-checksum.js';
import { cli, DIALECTS, migrationFolder, PROGRESS, sqlitePath, type TestDatabase } from '@atlasai/test-kit';

const FIRST = [
  '-- the first table',
  "CREATE TABLE notes (id integer PRIMARY KEY, body text NOT NULL DEFAULT 'a -- b /* c */');",
  '/* seed */ INSERT INTO notes (id) VALUES (1);',
  '',
].join('\n');
/** FIRST with its comments reworded and its white space moved: the same statements. */
const FIRST_REWORDED = [
  '-- the first table, which holds notes',
  'CREATE TABLE notes (',
  '  id   integer PRIMARY KEY,',
  "  body text NOT NULL DEFAULT 'a -- b /* c */'",
  ');  -- trailing',
  'INSERT INTO notes (id) VALUES (1);',
  '',
].join('\n');
/** FIRST with a statement changed: a string literal's inside, which only looks like a comment. */
const FIRST_EDITED = FIRST.replace("'a -- b /* c */'", "'a -- b /* d */'");

const header = (...lines: string[]) =>
  ['=== AtlasAI Versioned Migration Runner ===', 'Mode: APPLY', '[DEMO] Connecting to database...', '[DEMO] Connected.', ...lines]
    .map((l) => `${l}\n`)
    .join('');

describe.each(DIALECTS)('an applied migration edited outside its statements, on $name', ({ create }) => {
  let db: TestDatabase;
  let dir: string;
  beforeEach(async () => {
    db = await create();
    dir = migrationFolder({ '101_notes.sql': FIRST });
  });
  afterEach(async () => {
    await db.drop();
  });
  const up = () => cli(['up', '--url', db.url, '--dir', dir, '--label', 'Demo']);
  const target = () => (db.dialect === 'postgres' ? redactUrl(db.url) : sqlitePath(db));
  const audit = () =>
    db.query<{ version: number | string; action: string; reason: string }>('SELECT version, action, reason FROM schema_migrations_audit ORDER BY id');
  const skippedOne = '[DEMO] Skipped 1 already-applied migration(s)';
  const done = ['[DEMO] All migrations completed successfully.', '[OK] Migration run complete.'];

  it('warns once when only comments or white space changed, re-records the checksum with an audit row, exits 0', async () => {
    expect((await up()).code).toBe(0);
    writeFileSync(join(dir, '101_notes.sql'), FIRST_REWORDED);
    const first = await up();
    expect(first).toEqual({
      code: 0,
      stderr: expect.stringContaining('"msg":"applied migrations changed only in comments or white space; their checksums are re-recorded"'),
      stdout: header(
        skippedOne,
        '[DEMO] Warning: applied migration 101 (notes) changed since it ran only in comments or white space (101_notes.sql); its checksum was re-recorded (schema_migrations_audit), so this is said once.',
        ...done,
      ),
    });
    expect((await audit()).map((r) => ({ ...r, version: Number(r.version) }))).toEqual([
      { version: 101, action: 'reformat', reason: '101_notes.sql changed only in comments or white space' },
    ]);
    expect(await up()).toEqual({ code: 0, stderr: PROGRESS, stdout: header(skippedOne, ...done) });
    expect(await audit()).toHaveLength(1);
  });

  it('fails a statement edit with CHECKSUM_MISMATCH, short hashes and the repair command filled in', async () => {
    expect((await up()).code).toBe(0);
    writeFileSync(join(dir, '101_notes.sql'), FIRST_EDITED);
    const result = await up();
    expect(result.code).toBe(1);
    const lines = result.stdout.replace(/\b[0-9a-f]{12}\b/g, '<hash>').split('\n');
    expect(lines).toContain(
      '[DEMO] Error: CHECKSUM_MISMATCH: Applied migration SQL has changed since it ran: 101 (notes, 101_notes.sql): recorded <hash>, file <hash>. Applied migrations are immutable: restore the file and put the change in a new migration.',
    );
    const quoted = (word: string) => (/^[\w@%+=:,./*-]+$/.test(word) ? word : `'${word}'`);
    expect(lines).toContain(
      `[DEMO]   Hint: if the edit was deliberate and the database already is what the file now says, re-record it: atlas-migrate repair --dir ${dir} --url ${quoted(target())} --version 101 --reason "…"`,
    );
    expect(lines).toContain('[DEMO] Nothing was changed.');
    // The command it names works as printed (with the real URL for the redacted one).
    const repaired = await cli(['repair', '--url', db.url, '--dir', dir, '--label', 'Demo', '--version', '101', '--reason', 'deliberate']);
    expect(repaired.code).toBe(0);
    expect((await up()).code).toBe(0);
  });

  it('keeps the old rule for a row recorded without a statements checksum: a comment edit still fails', async () => {
    expect((await up()).code).toBe(0);
    // As an engine before the statements checksum recorded it.
    await db.query('UPDATE schema_migrations SET statements_checksum = NULL');
    writeFileSync(join(dir, '101_notes.sql'), FIRST_REWORDED);
    const result = await up();
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('[DEMO] Error: CHECKSUM_MISMATCH: Applied migration SQL has changed since it ran: 101 (notes, 101_notes.sql)');
  });

  it('adds the statements checksum column in place to a history table made before it', async () => {
    expect((await up()).code).toBe(0);
    await db.query('ALTER TABLE schema_migrations DROP COLUMN statements_checksum');
    writeFileSync(join(dir, '102_more.sql'), 'CREATE TABLE more_notes (id integer);\n');
    expect((await up()).code).toBe(0);
    const rows = await db.query<{ version: number | string; statements_checksum: string | null }>(
      'SELECT version, statements_checksum FROM schema_migrations ORDER BY version',
    );
    expect(rows.map((r) => [Number(r.version), r.statements_checksum?.replace(/[0-9a-f]{64}$/, '<hex>') ?? null])).toEqual([
      [101, null],
      [102, 'sha256-statements-v1:<hex>'],
    ]);
  });
});

describe('normalizeStatements', () => {
  it('drops comments and white space between tokens, never inside strings, dollar bodies or quoted identifiers', () => {
    expect(normalizeStatements('CREATE TABLE t ( a int ) ; -- x\n/* y */ SELECT \'a  -- b\', "c  /* d */" ;', 'postgres')).toBe(
      'CREATE TABLE t(a int);SELECT \'a  -- b\',"c  /* d */";',
    );
    expect(normalizeStatements('DO $f$ BEGIN  -- kept\n END $f$;', 'postgres')).toBe('DO $f$ BEGIN  -- kept\n END $f$;');
    expect(normalizeStatements("SELECT E'it\\'s -- not a comment'  ;", 'postgres')).toBe("SELECT E'it\\'s -- not a comment';");
    expect(normalizeStatements('/* a /* nested */ still comment */ SELECT 1;', 'postgres')).toBe('SELECT 1;');
    expect(normalizeStatements('SELECT [a  -- b], `c  d`;', 'sqlite')).toBe('SELECT [a  -- b],`c  d`;');
    // PostgreSQL reads string literals separated by a newline as one: that newline is a statement's.
    expect(normalizeStatements("SELECT 'a'\n'b';", 'postgres')).not.toBe(normalizeStatements("SELECT 'a' 'b';", 'postgres'));
    expect(normalizeStatements('SELECT a -  -1;', 'postgres')).not.toBe(normalizeStatements('SELECT a --1;', 'postgres'));
  });
});
