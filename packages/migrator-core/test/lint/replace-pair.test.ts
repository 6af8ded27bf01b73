import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lintMigrations, lintPaths, type LintInput } from '@atlasai/migrator-core';

/**
 * `DROP … IF EXISTS x` then `CREATE x` in one migration replaces x: not a removal when no earlier migration
 * created x (SQLite has no other way to change a trigger). A drop of what an earlier migration created, a
 * drop without the CREATE, and a drop of what holds data stay removals.
 */
const lines = (...body: string[]) => `${body.join('\n')}\n`;
const findings = async (inputs: LintInput[]) => (await lintMigrations(inputs)).findings.map((f) => `${f.file} ${f.rule}@${f.line}`);

const SQLITE_TRIGGER = lines(
  'DROP TRIGGER IF EXISTS notes_touch;',
  'CREATE TRIGGER IF NOT EXISTS notes_touch AFTER UPDATE ON notes BEGIN',
  "  UPDATE notes SET updated_at = strftime('%s', 'now') WHERE id = NEW.id;",
  'END;',
);
const SQLITE_VIEW = lines('DROP VIEW IF EXISTS open_notes;', 'CREATE VIEW IF NOT EXISTS open_notes AS SELECT id FROM notes WHERE closed = 0;');
const SQLITE_INDEX = lines('DROP INDEX IF EXISTS ix_notes_owner;', 'CREATE INDEX IF NOT EXISTS ix_notes_owner ON notes (owner_id, id);');

const PG_TRIGGER = lines(
  'DROP TRIGGER IF EXISTS notes_touch ON notes;',
  'CREATE OR REPLACE TRIGGER notes_touch BEFORE UPDATE ON notes FOR EACH ROW EXECUTE FUNCTION touch_updated_at();',
);
const PG_VIEW = lines('DROP VIEW IF EXISTS open_notes;', 'CREATE OR REPLACE VIEW open_notes AS SELECT id FROM notes WHERE NOT closed;');
// CREATE OR REPLACE cannot change a function's result type: dropping it first is the way.
const PG_FUNCTION = lines(
  'DROP FUNCTION IF EXISTS note_count(integer);',
  'CREATE OR REPLACE FUNCTION note_count(owner integer) RETURNS bigint LANGUAGE sql STABLE AS $$ SELECT count(*) FROM notes WHERE owner_id = owner $$;',
);

describe('sqlite: DROP … IF EXISTS then CREATE', () => {
  it('of a trigger, view or index no earlier migration made: passes', async () => {
    expect(await findings([{ file: 'sql/2_touch.sqlite.sql', sql: SQLITE_TRIGGER }])).toEqual([]);
    expect(await findings([{ file: 'sql/2_view.sqlite.sql', sql: SQLITE_VIEW }])).toEqual([]);
    expect(await findings([{ file: 'sql/2_index.sqlite.sql', sql: SQLITE_INDEX }])).toEqual([]);
  });

  it('of a trigger an earlier migration created: still drop-object', async () => {
    const earlier = {
      file: 'sql/1_notes.sqlite.sql',
      sql: lines(
        'CREATE TABLE IF NOT EXISTS notes (id INTEGER PRIMARY KEY);',
        'CREATE TRIGGER IF NOT EXISTS notes_touch AFTER UPDATE ON notes BEGIN SELECT 1; END;',
      ),
    };
    expect(await findings([earlier, { file: 'sql/2_touch.sqlite.sql', sql: SQLITE_TRIGGER }])).toEqual(['sql/2_touch.sqlite.sql drop-object@1']);
    // Given as the files that came before, not linted themselves: the same verdict.
    const later = await lintMigrations([{ file: 'sql/2_touch.sqlite.sql', sql: SQLITE_TRIGGER }], { earlier: [earlier] });
    expect(later.findings.map((f) => `${f.rule}@${f.line}`)).toEqual(['drop-object@1']);
    // Listed out of order: the versions say which came first.
    expect(await findings([{ file: 'sql/2_touch.sqlite.sql', sql: SQLITE_TRIGGER }, earlier])).toEqual(['sql/2_touch.sqlite.sql drop-object@1']);
    // Another registry's folder is not an earlier migration of this one.
    expect(
      await findings([
        { ...earlier, file: 'other/1_notes.sqlite.sql' },
        { file: 'sql/2_touch.sqlite.sql', sql: SQLITE_TRIGGER },
      ]),
    ).toEqual([]);
  });

  it('without the matching CREATE, or of a table: still a removal', async () => {
    expect(await findings([{ file: 'sql/2.sqlite.sql', sql: lines('DROP TRIGGER IF EXISTS notes_touch;') }])).toEqual(['sql/2.sqlite.sql drop-object@1']);
    expect(
      await findings([{ file: 'sql/2.sqlite.sql', sql: lines('DROP VIEW IF EXISTS open_notes;', 'CREATE VIEW IF NOT EXISTS closed_notes AS SELECT 1;') }]),
    ).toEqual(['sql/2.sqlite.sql drop-object@1']);
    expect(
      await findings([
        { file: 'sql/2.sqlite.sql', sql: lines('DROP INDEX ix_notes_owner;', 'CREATE INDEX IF NOT EXISTS ix_notes_owner ON notes (owner_id);') },
      ]),
    ).toEqual(['sql/2.sqlite.sql drop-index@1']);
    // A table's rows do not come back with its CREATE.
    expect(
      await findings([{ file: 'sql/2.sqlite.sql', sql: lines('DROP TABLE IF EXISTS notes;', 'CREATE TABLE IF NOT EXISTS notes (id INTEGER PRIMARY KEY);') }]),
    ).toEqual(['sql/2.sqlite.sql drop-table@1']);
  });
});

describe('postgres: DROP … IF EXISTS then CREATE', () => {
  it('of a trigger, view or function no earlier migration made: passes', async () => {
    for (const sql of [PG_TRIGGER, PG_VIEW, PG_FUNCTION]) expect(await findings([{ file: 'sql/2_x.postgres.sql', sql }])).toEqual([]);
    // A plain .sql file goes through both linters; on PostgreSQL the index build on an existing table is a warning, as always.
    expect(await findings([{ file: 'sql/2_x.sql', sql: SQLITE_INDEX }])).toEqual(['sql/2_x.sql blocking-create-index@2']);
  });

  it('of a view an earlier migration created: still drop-object', async () => {
    const earlier = { file: 'sql/1_notes.postgres.sql', sql: lines('CREATE OR REPLACE VIEW open_notes AS SELECT 1 AS id;') };
    expect(await findings([earlier, { file: 'sql/2_view.postgres.sql', sql: PG_VIEW }])).toEqual(['sql/2_view.postgres.sql drop-object@1']);
    const functionEarlier = {
      file: 'sql/1_f.postgres.sql',
      sql: lines('CREATE OR REPLACE FUNCTION note_count(owner integer) RETURNS integer LANGUAGE sql STABLE AS $$ SELECT 0 $$;'),
    };
    expect(await findings([functionEarlier, { file: 'sql/2_f.postgres.sql', sql: PG_FUNCTION }])).toEqual(['sql/2_f.postgres.sql drop-object@1']);
  });

  it('without the matching CREATE, with CASCADE, or of a table or sequence: still a removal', async () => {
    const one = async (sql: string) => findings([{ file: 'sql/2.postgres.sql', sql }]);
    expect(await one(lines('DROP VIEW IF EXISTS open_notes;'))).toEqual(['sql/2.postgres.sql drop-object@1']);
    expect(
      await one(
        lines(
          'DROP TRIGGER IF EXISTS notes_touch ON notes;',
          'CREATE OR REPLACE TRIGGER other_touch BEFORE UPDATE ON notes FOR EACH ROW EXECUTE FUNCTION f();',
        ),
      ),
    ).toEqual(['sql/2.postgres.sql drop-object@1']);
    // CASCADE takes the views built on it along, and the CREATE does not bring them back.
    expect(await one(lines('DROP VIEW IF EXISTS open_notes CASCADE;', 'CREATE OR REPLACE VIEW open_notes AS SELECT 1;'))).toEqual([
      'sql/2.postgres.sql drop-object@1',
    ]);
    expect(await one(lines('DROP TABLE IF EXISTS notes;', 'CREATE TABLE IF NOT EXISTS notes (id bigint PRIMARY KEY);'))).toEqual([
      'sql/2.postgres.sql drop-table@1',
    ]);
    expect(await one(lines('DROP SEQUENCE IF EXISTS note_numbers;', 'CREATE SEQUENCE IF NOT EXISTS note_numbers;'))).toEqual([
      'sql/2.postgres.sql drop-object@1',
    ]);
  });
});

describe('lint of one file of a folder', () => {
  it('reads the folder’s earlier migrations: the same verdict as the folder’s lint', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'atlas-lint-pair-'));
    writeFileSync(
      join(dir, '1_notes.sqlite.sql'),
      lines(
        'CREATE TABLE IF NOT EXISTS notes (id INTEGER PRIMARY KEY, updated_at INTEGER);',
        'CREATE TRIGGER IF NOT EXISTS notes_touch AFTER UPDATE ON notes BEGIN SELECT 1; END;',
      ),
    );
    writeFileSync(join(dir, '2_touch.sqlite.sql'), SQLITE_TRIGGER);
    writeFileSync(join(dir, '3_view.sqlite.sql'), SQLITE_VIEW);
    const alone = await lintPaths([join(dir, '2_touch.sqlite.sql')]);
    expect(alone.files).toEqual([join(dir, '2_touch.sqlite.sql')]);
    expect(alone.findings.map((f) => `${f.file} ${f.rule}@${f.line}`)).toEqual([`${join(dir, '2_touch.sqlite.sql')} drop-object@1`]);
    const folder = await lintPaths([dir]);
    expect(folder.findings.map((f) => `${f.file} ${f.rule}@${f.line}`)).toEqual(alone.findings.map((f) => `${f.file} ${f.rule}@${f.line}`));
    expect((await lintPaths([join(dir, '3_view.sqlite.sql')])).findings).toEqual([]);
  });
});
