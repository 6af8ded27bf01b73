import pg from 'pg';

/** The prefix of every template database of this run, which the global teardown drops. */
export function templatePrefix(runId: string): string {
  return `atlas_tpl_${runId}_`;
}

/** Drops this run's template databases (the global teardown). */
export async function dropTemplates(adminUrl: string, runId: string): Promise<void> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    const rows = await admin.query<{ datname: string }>('SELECT datname FROM pg_database WHERE starts_with(datname, $1)', [templatePrefix(runId)]);
    for (const { datname } of rows.rows) await admin.query(`DROP DATABASE IF EXISTS ${datname} WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}
