import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PlaneReport } from '@atlasai/migrator-core';
import { createPostgresDatabase, migrateFiles, type TestDatabase } from '@atlasai/test-kit';

/**
 * A batch (several migrations in one PostgreSQL transaction) must mean what the same migrations mean one
 * transaction each: a migration that could not commit alone fails, named, even when the next one would
 * repair its rows; the next migration starts with each constraint's own deferral; every history row has
 * its own time. Batches start at one migration and double, so versions 2 and 3 share the first batch.
 */

const SCHEMA = `CREATE TABLE parent (id int PRIMARY KEY);
CREATE TABLE child (id int PRIMARY KEY, parent_id int NOT NULL REFERENCES parent (id) DEFERRABLE INITIALLY DEFERRED);
CREATE TABLE strict_child (id int PRIMARY KEY, parent_id int NOT NULL CONSTRAINT strict_fk REFERENCES parent (id) DEFERRABLE INITIALLY IMMEDIATE);
`;

const migrate = (db: TestDatabase, files: Record<string, string>, batch: boolean): Promise<PlaneReport> =>
  migrateFiles(db.url, files, { plane: 'semantics', batch });

const recorded = async (db: TestDatabase) =>
  (await db.query<{ version: string }>('SELECT version FROM schema_migrations ORDER BY version')).map((r) => Number(r.version));

describe.each([
  { mode: 'batched (the default)', batch: true },
  { mode: 'one transaction per migration (batch: false)', batch: false },
])('PostgreSQL, $mode', ({ batch }) => {
  let db: TestDatabase;
  beforeEach(async () => {
    db = await createPostgresDatabase();
  });
  afterEach(async () => {
    await db.drop();
  });

  it('a migration that breaks a deferred foreign key fails, named, although the next one would repair the row', async () => {
    const report = await migrate(
      db,
      {
        '1_schema.sql': SCHEMA,
        '2_orphan.sql': 'INSERT INTO child (id, parent_id) VALUES (1, 42);\n',
        '3_repair.sql': 'INSERT INTO parent (id) VALUES (42);\n',
      },
      batch,
    );
    expect(report.ok).toBe(false);
    expect(report.error).toMatchObject({ version: 2, name: 'orphan', sqlstate: '23503' });
    expect(report.error!.message).toContain('violates foreign key constraint');
    expect(report.error!.migration).toMatchObject({ transactional: true, outcome: 'rolled-back' });
    expect(report.applied.map((a) => a.version)).toEqual([1]);
    expect(report.pending.map((p) => p.version)).toEqual([2, 3]);
    expect(await recorded(db)).toEqual([1]);
    expect(await db.query('SELECT * FROM child')).toEqual([]);
    expect(await db.query('SELECT * FROM parent')).toEqual([]);
  });

  it("a migration repairing its own rows before its end applies: a later migration's INITIALLY DEFERRED constraint is still deferred", async () => {
    const report = await migrate(
      db,
      {
        '1_schema.sql': SCHEMA,
        '2_seed.sql': 'INSERT INTO parent (id) VALUES (1);\nINSERT INTO child (id, parent_id) VALUES (1, 1);\n',
        '3_more.sql': 'INSERT INTO child (id, parent_id) VALUES (2, 7);\nINSERT INTO parent (id) VALUES (7);\n',
        '4_new_fk.sql': 'CREATE TABLE late (id int PRIMARY KEY, parent_id int REFERENCES parent (id) DEFERRABLE INITIALLY DEFERRED);\n',
        '5_late_rows.sql': 'INSERT INTO late (id, parent_id) VALUES (1, 9);\nINSERT INTO parent (id) VALUES (9);\n',
      },
      batch,
    );
    expect(report.error).toBeNull();
    expect(report.applied.map((a) => a.version)).toEqual([1, 2, 3, 4, 5]);
    expect(await recorded(db)).toEqual([1, 2, 3, 4, 5]);
  });

  it("constraint modes a migration sets do not reach the next one: it starts with each constraint's own", async () => {
    const report = await migrate(
      db,
      {
        '1_schema.sql': SCHEMA,
        '2_defers.sql': 'SET CONSTRAINTS strict_fk DEFERRED;\nINSERT INTO parent (id) VALUES (1);\n',
        // Alone, strict_fk is INITIALLY IMMEDIATE: the first INSERT fails at once.
        '3_relies_on_deferral.sql': 'INSERT INTO strict_child (id, parent_id) VALUES (1, 5);\nINSERT INTO parent (id) VALUES (5);\n',
      },
      batch,
    );
    expect(report.error).toMatchObject({ code: 'STATEMENT_FAILED', version: 3, statement: 1, sqlstate: '23503' });
    expect(await recorded(db)).toEqual([1, 2]);
  });

  it('every history row records its own time, in the order the migrations ran', async () => {
    const files: Record<string, string> = {};
    for (let v = 1; v <= 40; v++) files[`${v}_t${v}.sql`] = `CREATE TABLE t${v} (id int);\n`;
    const report = await migrate(db, files, batch);
    expect(report.ok).toBe(true);
    const rows = await db.query<{ version: string; applied_at: Date }>('SELECT version, applied_at FROM schema_migrations ORDER BY version');
    expect(rows).toHaveLength(40);
    const times = rows.map((r) => r.applied_at.getTime());
    expect(times).toEqual([...times].sort((a, b) => a - b));
    const [distinct] = await db.query<{ n: string }>('SELECT count(DISTINCT applied_at) AS n FROM schema_migrations');
    expect(Number(distinct!.n)).toBe(40);
  });
});
