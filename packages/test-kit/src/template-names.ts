import { withClient } from './client.js';

/** The prefix of every template database of this run, which the global teardown drops. */
export function templatePrefix(runId: string): string {
  return `atlas_tpl_${runId}_`;
}

/** The prefix of every empty database `createPostgresDatabase` makes in this run. */
export function databasePrefix(runId: string): string {
  return `atlas_test_${runId}_`;
}

/**
 * Drops what this run left on the server (the global teardown): its template databases, and the empty
 * databases made ahead and never taken (or left by a test that failed before its drop). A CREATE DATABASE
 * of this run still under way is waited for first.
 */
export async function dropRunDatabases(adminUrl: string, runId: string): Promise<void> {
  await withClient(adminUrl, async (admin) => {
    const prefixes = [templatePrefix(runId), databasePrefix(runId)];
    for (let waited = 0; waited < 600; waited++) {
      const creating = await admin.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND state = 'active'
          AND (starts_with(query, 'CREATE DATABASE ' || $1) OR starts_with(query, 'CREATE DATABASE ' || $2))`,
        prefixes,
      );
      if (creating.rows[0]!.n === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const rows = await admin.query<{ datname: string }>('SELECT datname FROM pg_database WHERE starts_with(datname, $1) OR starts_with(datname, $2)', prefixes);
    for (const { datname } of rows.rows) await admin.query(`DROP DATABASE IF EXISTS ${datname} WITH (FORCE)`);
  });
}
