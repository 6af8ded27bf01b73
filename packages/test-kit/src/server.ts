import pg from 'pg';
import { inject } from 'vitest';
import './provided.js';
import { requireFullTier } from './tier.js';

/** The superuser URL the global setup found (throws in the fast tier, which has no server). */
export function pgAdminUrl(): string {
  requireFullTier('a PostgreSQL server');
  const url = inject('pgAdminUrl');
  if (!url) throw new Error('no PostgreSQL server: this vitest project has no global setup (test/global-setup.ts)');
  return url;
}

/** `adminUrl` with its database replaced. */
export function withDatabase(adminUrl: string, database: string): string {
  const url = new URL(adminUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

let admins: pg.Pool | undefined;

/**
 * Runs one statement as the superuser on the server's maintenance database. The connections are kept
 * for the worker's next statements (a run sends ~900 CREATE and DROP DATABASE, and a new connection costs
 * the server a process), closed once idle for a second; a statement never depends on an earlier one's
 * session.
 */
export async function adminQuery(sql: string, params?: unknown[]): Promise<pg.QueryResult> {
  admins ??= new pg.Pool({ connectionString: pgAdminUrl(), max: 4, idleTimeoutMillis: 1000, allowExitOnIdle: true });
  return admins.query(sql, params);
}

let fileCopy: Promise<boolean> | undefined;

/**
 * Creates a database on the test server as the superuser. On PostgreSQL 15 and later it asks for
 * `STRATEGY FILE_COPY`: the default there (WAL_LOG) writes every page of the template through the WAL,
 * measured at ~3x the server CPU of a file copy per database on this machine (74 ms against 25 ms),
 * and the suite creates hundreds. Older servers only copy files and do not know the option. The database
 * goes to the run's tablespace in memory when the global setup made one (memory.ts).
 */
export async function createDatabase(name: string, options: { template?: string; owner?: string } = {}): Promise<void> {
  fileCopy ??= adminQuery("SELECT current_setting('server_version_num')::int >= 150000 AS ok").then(
    (r) => (r.rows[0] as { ok: boolean }).ok,
    (error: unknown) => {
      fileCopy = undefined;
      throw error;
    },
  );
  const clauses = [
    ...(options.owner ? [`OWNER ${options.owner}`] : []),
    ...(options.template ? [`TEMPLATE ${options.template}`] : []),
    ...(inject('pgTablespace') ? [`TABLESPACE ${inject('pgTablespace')}`] : []),
    ...((await fileCopy) ? ['STRATEGY FILE_COPY'] : []),
  ];
  await adminQuery(`CREATE DATABASE ${name}${clauses.map((c) => ` ${c}`).join('')}`);
}
