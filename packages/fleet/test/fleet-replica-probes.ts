import { migrationFolder } from '@atlasai/test-kit';
import type { FleetWorld } from './fleet-support.js';

/**
 * A one-migration release whose apply leaves one row naming the session that made it, then sleeps in
 * pg_sleep so that a replica can be caught mid-tenant (FLEET_REGISTRY_DIR).
 */
export function slowRelease(seconds: number): string {
  return migrationFolder({
    '2001_work.sql': `CREATE TABLE applies (by text DEFAULT current_setting('application_name'));\nINSERT INTO applies DEFAULT VALUES;\nSELECT pg_sleep(${seconds});\n`,
  });
}

/** The tenants a replica is migrating right now, seen from the server: its sessions in pg_sleep. */
export function sleepingOn(world: FleetWorld, run: string, replica: string): Promise<{ datname: string }[]> {
  return world.control<{ datname: string }>(
    `SELECT datname FROM pg_stat_activity WHERE application_name LIKE $1 AND state = 'active' AND query ILIKE '%pg_sleep%'`,
    [`atlas-fleet:${run}:${replica}%`],
  );
}

/** Advisory locks held on this world's tenant databases (the engine's lock, which a dead session must not keep). */
export async function advisoryLocksOnTenants(world: FleetWorld): Promise<number> {
  const rows = await world.control<{ n: number }>(
    `SELECT count(*)::int AS n FROM pg_locks l JOIN pg_database d ON d.oid = l.database WHERE l.locktype = 'advisory' AND d.datname LIKE $1`,
    [`${world.prefix}\\_t%`],
  );
  return rows[0]!.n;
}

/** Migration sessions of a run still open, on any replica. */
export async function sessionsOf(world: FleetWorld, run: string): Promise<number> {
  return (await world.control(`SELECT 1 FROM pg_stat_activity WHERE application_name LIKE $1`, [`atlas-fleet:${run}:%`])).length;
}

export interface JobSettings {
  expireSeconds: number;
  retryLimit: number;
  retryDelay: number;
  retryBackoff: boolean;
}

/** How pg-boss holds each job of a run (every job ever sent for it, until pg-boss archives it). */
export function jobsOfRun(world: FleetWorld, run: string): Promise<JobSettings[]> {
  return world.control<JobSettings>(
    `SELECT extract(epoch FROM expire_in)::int AS "expireSeconds", retry_limit AS "retryLimit", retry_delay AS "retryDelay", retry_backoff AS "retryBackoff"
       FROM pgboss.job WHERE name = 'atlas-fleet' AND data->>'runId' = $1`,
    [run],
  );
}
