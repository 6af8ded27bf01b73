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

/** Runs one statement as the superuser on the server's maintenance database. */
export async function adminQuery(sql: string, params?: unknown[]): Promise<pg.QueryResult> {
  const admin = new pg.Client({ connectionString: pgAdminUrl() });
  await admin.connect();
  try {
    return await admin.query(sql, params);
  } finally {
    await admin.end();
  }
}
