import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cli, createSqliteDatabase, migrationFolder, sqlitePath, type TestDatabase } from '@atlasai/test-kit';

/**
 * SQLite through the CLI: each statement is sent as the file writes it, so `sqlite_master` holds the
 * text sqlite3 and better-sqlite3's `exec` of the same file store; and every pending migration's syntax
 * is checked before any applies.
 */

describe('SQLite runs statements as written, after checking them all', () => {
  let db: TestDatabase;
  beforeEach(async () => {
    db = await createSqliteDatabase();
  });
  afterEach(async () => {
    await db.drop();
  });

  const VARIANTS = {
    'space before ;': 'CREATE TABLE messages (id INTEGER PRIMARY KEY, room_id INTEGER, body TEXT);\nCREATE INDEX idx_messages_room ON messages (room_id) ;\n',
    'comment before ;':
      'CREATE TABLE messages (id INTEGER PRIMARY KEY, room_id INTEGER);\nCREATE INDEX idx_messages_room ON messages (room_id) -- by room\n;\n',
    'block comment and tabs':
      'CREATE TABLE messages (id INTEGER PRIMARY KEY, room_id INTEGER);\nCREATE UNIQUE INDEX idx_messages_room ON messages(room_id)\t/* one per room */\t;\n',
    'last statement without ;': 'CREATE TABLE messages (id INTEGER PRIMARY KEY, room_id INTEGER);\nCREATE INDEX idx_messages_room ON messages (room_id)   \n',
    'view and trigger': [
      'CREATE TABLE messages (id INTEGER PRIMARY KEY, room_id INTEGER, seen INTEGER) ;',
      'CREATE VIEW room_counts AS SELECT room_id, count(*) AS n FROM messages GROUP BY room_id  ;',
      'CREATE TRIGGER messages_seen AFTER INSERT ON messages BEGIN UPDATE messages SET seen = CASE WHEN NEW.room_id IS NULL THEN 0 ELSE 1 END WHERE id = NEW.id; END  ;',
      'CREATE INDEX idx_messages_seen ON messages (seen) WHERE seen = 1 ;',
      '',
    ].join('\n'),
  };

  it.each(Object.entries(VARIANTS))('sqlite_master equals what exec of the same file stores (%s)', async (_name, sql) => {
    const dir = migrationFolder({ '1_messages.sql': sql });
    const result = await cli(['up', '--url', db.url, '--dir', dir, '--label', 'chat']);
    expect(result.code).toBe(0);
    const reference = new Database(':memory:');
    reference.exec(readFileSync(join(dir, '1_messages.sql'), 'utf8'));
    const master = "SELECT type, name, sql FROM sqlite_master WHERE name NOT IN ('schema_migrations') ORDER BY name";
    const expected = reference.prepare(master).all();
    reference.close();
    expect(expected.length).toBeGreaterThan(1);
    expect(await db.query(master)).toEqual(expected);
  });

  it('a syntax error in migration 2 fails the run before migration 1 applies: exit 1, no history rows', async () => {
    const dir = migrationFolder({
      '1_good.sql': 'CREATE TABLE rooms (id INTEGER PRIMARY KEY);\n',
      '2_broken.sql': 'CREATE TABLE members (id INTEGER PRIMARY KEY);\nCREAT TABLE oops (id INTEGER);\n',
    });
    const result = await cli(['up', '--url', db.url, '--dir', dir, '--label', 'chat']);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/Error in migration 2 \(broken\) at statement 2, line 2, column 1: SQLITE_ERROR: near "CREAT": syntax error/);
    expect(await db.tableExists('rooms')).toBe(false);
    expect(await db.tableExists('members')).toBe(false);
    const history = (await db.tableExists('schema_migrations')) ? await db.query('SELECT version FROM schema_migrations') : [];
    expect(history).toEqual([]);
    expect(sqlitePath(db)).toMatch(/test\.db$/);
  });
});
