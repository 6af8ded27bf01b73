import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { adminQuery, createDatabase, pgAdminUrl, withDatabase } from './server.js';
import type { TestDatabase } from './test-database.js';
import { templateDatabase, type Template } from './templates.js';

export interface PostgresOptions {
  /**
   * Clone the database from a template holding a registry fully migrated (`CREATE DATABASE … TEMPLATE`):
   * a few milliseconds instead of a run of the whole registry, for tests that start from the latest
   * schema. Without it the database is empty.
   */
  readonly template?: Template;
}

/** A new PostgreSQL database on the test server, owned by the test, which drops it. */
export async function createPostgresDatabase(options: PostgresOptions = {}): Promise<TestDatabase> {
  const adminUrl = pgAdminUrl();
  const name = `atlas_test_${randomBytes(6).toString('hex')}`;
  await createDatabase(name, options.template === undefined ? {} : { template: await templateDatabase(options.template) });
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
      const indexes = await query<{ line: string }>(
        `SELECT indexname || ' ' || indexdef AS line FROM pg_indexes WHERE schemaname = 'public' ORDER BY indexname`,
      );
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
      await adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
}
