import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { adminQuery, createDatabase, pgAdminUrl, withDatabase } from './server.js';
import type { TestDatabase } from './test-database.js';
import { databasePrefix } from './template-names.js';
import { currentRunId, templateDatabase, type Template } from './templates.js';

export interface PostgresOptions {
  /**
   * Clone the database from a template holding a registry fully migrated (`CREATE DATABASE … TEMPLATE`):
   * a few milliseconds instead of a run of the whole registry, for tests that start from the latest
   * schema. Without it the database is empty.
   */
  readonly template?: Template;
}

/** The next empty database, being created while the test that will take it still runs. */
let spare: Promise<string> | undefined;

function makeEmpty(): Promise<string> {
  const name = `${databasePrefix(currentRunId())}${randomBytes(6).toString('hex')}`;
  const made = createDatabase(name).then(() => name);
  // Seen by the test that takes it; one never taken is dropped by the run's teardown.
  made.catch(() => undefined);
  return made;
}

/**
 * An empty database: the one made ahead, while another is started for the next test. Under a loaded
 * server a CREATE DATABASE waits for a checkpoint (STRATEGY FILE_COPY) for 100 ms or more, and a test
 * no longer waits for its own.
 */
function emptyDatabase(): Promise<string> {
  const next = spare ?? makeEmpty();
  spare = makeEmpty();
  return next;
}

/**
 * A new PostgreSQL database on the test server, owned by the test, which drops it (`drop()` resolves once
 * it is gone: a test may then drop a role that owned objects in it). The one made ahead and never taken is
 * dropped by the run's teardown (template-names.ts).
 */
export async function createPostgresDatabase(options: PostgresOptions = {}): Promise<TestDatabase> {
  const adminUrl = pgAdminUrl();
  let name: string;
  if (options.template === undefined) name = await emptyDatabase();
  else {
    name = `${databasePrefix(currentRunId())}${randomBytes(6).toString('hex')}`;
    await createDatabase(name, { template: await templateDatabase(options.template) });
  }
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
