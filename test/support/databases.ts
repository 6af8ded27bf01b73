import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { inject } from 'vitest';

/** A real database a test owns, in either dialect, with just enough access to inspect it. */
export interface TestDatabase {
  readonly dialect: 'postgres' | 'sqlite';
  readonly url: string;
  /** Runs SQL and returns the rows (both dialects; SQLite statements without rows return []). */
  query<R = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<R[]>;
  /** Tables, columns (type, nullability, default) and indexes, as one comparable text. */
  catalog(): Promise<string>;
  tableExists(name: string): Promise<boolean>;
  columns(table: string): Promise<string[]>;
  drop(): Promise<void>;
}

function withDatabase(adminUrl: string, database: string): string {
  const url = new URL(adminUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

export async function createPostgresDatabase(): Promise<TestDatabase> {
  const adminUrl = inject('pgAdminUrl');
  const name = `atlas_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = withDatabase(adminUrl, name);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const query = async <R>(sql: string, params?: unknown[]) => (await client.query(sql, params)).rows as R[];
  return {
    dialect: 'postgres',
    url,
    query,
    async catalog() {
      const columns = await query<{ line: string }>(
        `SELECT table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable || ' ' || coalesce(column_default, '') AS line
           FROM information_schema.columns WHERE table_schema = 'public' ORDER BY table_name, column_name`,
      );
      const indexes = await query<{ line: string }>(`SELECT indexname || ' ' || indexdef AS line FROM pg_indexes WHERE schemaname = 'public' ORDER BY indexname`);
      const constraints = await query<{ line: string }>(
        `SELECT conrelid::regclass || ' ' || conname || ' ' || pg_get_constraintdef(oid) AS line FROM pg_constraint
          WHERE connamespace = 'public'::regnamespace ORDER BY conrelid::regclass::text, conname`,
      );
      return [...columns, ...indexes, ...constraints].map((r) => r.line).join('\n');
    },
    async tableExists(table) {
      const rows = await query<{ ok: boolean }>('SELECT to_regclass($1) IS NOT NULL AS ok', [`public.${table}`]);
      return rows[0]!.ok;
    },
    async columns(table) {
      const rows = await query<{ column_name: string }>(
        `SELECT column_name FROM information_schema.columns WHERE table_schema = 'public' AND table_name = $1 ORDER BY column_name`,
        [table],
      );
      return rows.map((r) => r.column_name);
    },
    async drop() {
      await client.end();
      const admin2 = new pg.Client({ connectionString: adminUrl });
      await admin2.connect();
      await admin2.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin2.end();
    },
  };
}

export async function createSqliteDatabase(): Promise<TestDatabase> {
  const dir = mkdtempSync(join(tmpdir(), 'atlas-sqlite-'));
  const path = join(dir, 'test.db');
  let db: Database.Database | undefined;
  // Opened lazily so that a test can check that a dry run did not create the file.
  const open = () => (db ??= new Database(path));
  const query = async <R>(sql: string, params: unknown[] = []) => {
    const stmt = open().prepare(sql);
    return (stmt.reader ? stmt.all(...params) : (stmt.run(...params), [])) as R[];
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

export const DIALECTS = [
  { name: 'postgres', create: createPostgresDatabase },
  { name: 'sqlite', create: createSqliteDatabase },
] as const;

/** The SQLite file behind a `sqlite:` test URL. */
export function sqlitePath(db: TestDatabase): string {
  return db.url.replace(/^sqlite:/, '');
}
