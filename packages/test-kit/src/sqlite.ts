import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { TestDatabase } from './test-database.js';

/** A new SQLite file in its own temporary folder (in-process: allowed in the fast tier). */
export async function createSqliteDatabase(): Promise<TestDatabase> {
  const dir = mkdtempSync(join(tmpdir(), 'atlas-sqlite-'));
  const path = join(dir, 'test.db');
  let db: Database.Database | undefined;
  // Opened lazily so that a test can check that a dry run did not create the file.
  const open = () => (db ??= new Database(path));
  const query = async <R>(sql: string, params: unknown[] = []) => {
    const stmt = open().prepare(sql);
    if (stmt.reader) return stmt.all(...params) as R[];
    stmt.run(...params);
    return [];
  };
  return {
    dialect: 'sqlite',
    url: `sqlite:${path}`,
    query,
    async catalog() {
      const objects = await query<{ type: string; name: string; tbl_name: string; sql: string | null }>(
        `SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name`,
      );
      const lines: string[] = [];
      for (const o of objects) {
        lines.push(`${o.type} ${o.name} ${o.sql ?? ''}`);
        if (o.type === 'table') {
          const cols = await query<{ name: string; type: string; notnull: number; dflt_value: string | null }>(`SELECT * FROM pragma_table_info(?)`, [o.name]);
          for (const c of cols) lines.push(`${o.name}.${c.name} ${c.type} ${c.notnull} ${c.dflt_value ?? ''}`);
        }
      }
      return lines.join('\n');
    },
    async tableExists(table) {
      const rows = await query(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?`, [table]);
      return rows.length > 0;
    },
    async columns(table) {
      const rows = await query<{ name: string }>(`SELECT name FROM pragma_table_info(?) ORDER BY name`, [table]);
      return rows.map((r) => r.name);
    },
    async drop() {
      db?.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The SQLite file behind a `sqlite:` test URL. */
export function sqlitePath(db: TestDatabase): string {
  return db.url.replace(/^sqlite:/, '');
}
