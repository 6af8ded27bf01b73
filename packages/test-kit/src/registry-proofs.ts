import { loadModule, parseSync } from 'libpg-query';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PlaneReport, Registry } from '@atlasai/migrator-core';
import { DIALECTS } from './dialects.js';
import { migrateFiles } from './migrations.js';
import { createPostgresDatabase } from './postgres.js';
import { createSqliteDatabase } from './sqlite.js';
import type { TestDatabase } from './test-database.js';

/** Applies `registry` to `db`, up to `to` when given. */
export function migrate(registry: Registry, db: TestDatabase, to?: number): Promise<PlaneReport> {
  return migrateFiles(db.url, registry, to === undefined ? {} : { to });
}

/** Tables and their columns by name, without schema_migrations. */
async function tablesAndColumns(db: TestDatabase): Promise<Map<string, string[]>> {
  const rows =
    db.dialect === 'postgres'
      ? await db.query<{ t: string; c: string }>(
          `SELECT table_name AS t, column_name AS c FROM information_schema.columns
            WHERE table_schema = 'public' AND table_name <> 'schema_migrations' ORDER BY 1, 2`,
        )
      : await db.query<{ t: string; c: string }>(
          `SELECT m.name AS t, p.name AS c FROM sqlite_master m, pragma_table_info(m.name) p
            WHERE m.type = 'table' AND m.name <> 'schema_migrations' ORDER BY 1, 2`,
        );
  const tables = new Map<string, string[]>();
  for (const row of rows) tables.set(row.t, [...(tables.get(row.t) ?? []), row.c]);
  return tables;
}

/**
 * The proofs every registry must pass on both dialects: (a) it applies cleanly to an empty database,
 * (b) re-running it after schema_migrations was emptied succeeds and leaves the identical schema,
 * (c) each migration applied twice in a row changes nothing the second time, and (d) PostgreSQL and
 * SQLite end with the same tables and columns, except the tables `sqliteOnlyTables` names.
 */
export function registryProofs(registry: Registry, expected: { count: number; sqliteOnlyTables: readonly string[] }): void {
  describe.each(DIALECTS)(`${registry.plane} registry on $name`, ({ create }) => {
    let db: TestDatabase;
    beforeEach(async () => {
      db = await create();
    });
    afterEach(async () => {
      await db.drop();
    });

    it('(a) applies cleanly to an empty database', async () => {
      const report = await migrate(registry, db);
      expect(report.error).toBeNull();
      expect(report.applied.map((m) => m.version)).toEqual(registry.migrations.map((m) => m.version));
      expect(report.applied.every((m) => m.outcome === 'applied')).toBe(true);
      expect(registry.migrations).toHaveLength(expected.count);
      const rows = await db.query<{ version: number; name: string }>('SELECT version, name FROM schema_migrations ORDER BY version');
      expect(rows.map((r) => [Number(r.version), r.name])).toEqual(registry.migrations.map((m) => [m.version, m.name]));
    });

    it('(b) re-runs from scratch after schema_migrations was emptied, to the identical schema', async () => {
      expect((await migrate(registry, db)).ok).toBe(true);
      const first = await db.catalog();
      await db.query('DELETE FROM schema_migrations');
      const again = await migrate(registry, db);
      expect(again.error).toBeNull();
      expect(again.applied).toHaveLength(expected.count);
      expect(await db.catalog()).toBe(first);
      expect(await db.query('SELECT version FROM schema_migrations')).toHaveLength(expected.count);
    });

    it('(c) each migration applied twice in a row changes nothing the second time', async () => {
      for (const migration of registry.migrations) {
        expect((await migrate(registry, db, migration.version)).ok).toBe(true);
        const once = await db.catalog();
        await db.query(`DELETE FROM schema_migrations WHERE version = ${migration.version}`);
        const twice = await migrate(registry, db, migration.version);
        expect({ version: migration.version, error: twice.error }).toEqual({ version: migration.version, error: null });
        expect(twice.applied.map((m) => m.version)).toEqual([migration.version]);
        expect(await db.catalog(), `migration ${migration.version} changed the schema when applied again`).toBe(once);
      }
    });
  });

  it(`${registry.plane}: every PostgreSQL statement is idempotent by itself, without the engine's help`, async () => {
    const db = await createPostgresDatabase();
    try {
      expect((await migrate(registry, db)).ok).toBe(true);
      const before = await db.catalog();
      await loadModule();
      // Each statement runs alone in autocommit, as psql would run it; no "already exists" is swallowed.
      for (const migration of registry.migrations) {
        const bytes = Buffer.from(migration.scripts.postgres.sql);
        const { stmts } = parseSync(migration.scripts.postgres.sql) as { stmts: { stmt_location?: number; stmt_len?: number }[] };
        for (const [i, stmt] of stmts.entries()) {
          const start = stmt.stmt_location ?? 0;
          const text = bytes.subarray(start, stmt.stmt_len === undefined ? undefined : start + stmt.stmt_len).toString();
          await expect(db.query(text), `${migration.version} statement ${i + 1}`).resolves.toBeDefined();
        }
      }
      expect(await db.catalog()).toBe(before);
    } finally {
      await db.drop();
    }
  });

  it(`(d) ${registry.plane}: PostgreSQL and SQLite end with the same tables and columns`, async () => {
    const pg = await createPostgresDatabase();
    const lite = await createSqliteDatabase();
    try {
      expect((await migrate(registry, pg)).ok).toBe(true);
      expect((await migrate(registry, lite)).ok).toBe(true);
      const pgTables = await tablesAndColumns(pg);
      const liteTables = await tablesAndColumns(lite);
      for (const name of expected.sqliteOnlyTables) {
        expect(liteTables.has(name), `allow-listed SQLite table ${name} exists`).toBe(true);
        liteTables.delete(name);
      }
      expect(Object.fromEntries(liteTables)).toEqual(Object.fromEntries(pgTables));
      expect(pgTables.size).toBeGreaterThan(0);
    } finally {
      await pg.drop();
      await lite.drop();
    }
  });
}

export { snapshotProofs } from './snapshot-proofs.js';
