import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cli, createPostgresDatabase, migrationFolder, type TestDatabase } from '@atlasai/test-kit';

/**
 * PostgreSQL answers `CREATE INDEX IF NOT EXISTS x` with a notice, not an error, whenever the name x is
 * taken, whatever took it. The engine skips such a statement only when the catalog shows its own object:
 * an index of that name on that table. Anything else fails the migration instead of recording it applied.
 */
describe('IF NOT EXISTS skips only the statement’s own object (PostgreSQL)', () => {
  let db: TestDatabase;
  beforeEach(async () => {
    db = await createPostgresDatabase();
  });
  afterEach(async () => {
    await db.drop();
  });

  const folder = () =>
    migrationFolder({
      '0001_events.sql': 'CREATE TABLE IF NOT EXISTS events (id int, kind text);\nCREATE TABLE IF NOT EXISTS other (kind text);\n',
      '0002_index.sql': 'CREATE INDEX IF NOT EXISTS events_kind ON events (kind);\n',
    });
  const versions = async () => (await db.query<{ version: string }>('SELECT version FROM schema_migrations ORDER BY version')).map((r) => Number(r.version));

  for (const [taken, by] of [
    ['a table', 'CREATE TABLE events_kind (id int)'],
    ['an index on another table', 'CREATE INDEX events_kind ON other (kind)'],
  ] as const) {
    it(`an index name taken by ${taken} fails the migration, naming both, and records nothing`, async () => {
      const dir = folder();
      expect((await cli(['up', '--dir', dir, '--url', db.url, '--to', '1'])).code).toBe(0);
      await db.query(by);
      const result = await cli(['up', '--dir', dir, '--url', db.url, '--json']);
      expect(result.code).toBe(1);
      const error = (JSON.parse(result.stdout) as { planes: { error: { code: string; sqlstate: string; message: string; version: number } }[] }).planes[0]!
        .error;
      expect(error).toMatchObject({ code: 'STATEMENT_FAILED', sqlstate: '42P07', version: 2 });
      expect(error.message).toContain('index "events_kind" on "events", which it creates, is not there: the name is taken by another object');
      expect(await versions()).toEqual([1]);
    });
  }

  it('the same index already there (same name, same table) is skipped and the migration recorded', async () => {
    const dir = folder();
    expect((await cli(['up', '--dir', dir, '--url', db.url, '--to', '1'])).code).toBe(0);
    await db.query('CREATE INDEX events_kind ON events (kind)');
    const result = await cli(['up', '--dir', dir, '--url', db.url]);
    expect(result.code, result.stdout).toBe(0);
    expect(result.stdout).toContain('Note: 2 found objects already present: statement 1 (line 1): relation "events_kind" already exists, skipped');
    expect(await versions()).toEqual([1, 2]);
  });
});
