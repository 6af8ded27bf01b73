import { expect } from 'vitest';
import { migrationFolder } from '@atlasai/test-kit';
import type { FleetProcess } from './fleet-process.js';
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

/**
 * SIGKILLs replica `killed` while it holds tenants of `run`, waits for `survivor` (a `watch --json`) to
 * finish the run, and checks what any takeover must give: the run succeeded, every tenant once, the dead
 * replica's tenants on a second attempt (its attempt counts: it may have done anything), the others on
 * their first. Returns how long after its lost attempt each of those tenants started again, in ms, for
 * the caller's bound.
 */
export async function killAndTakeOver(
  world: FleetWorld,
  run: string,
  killed: { id: string; process: FleetProcess },
  survivor: FleetProcess,
): Promise<number[]> {
  const lost = await world.control<{ tenant_id: string; started_at: Date }>(
    `SELECT tenant_id, started_at FROM fleet.items WHERE run_id = $1 AND owner = $2 AND state = 'running'`,
    [run, killed.id],
  );
  killed.process.child.kill('SIGKILL');
  expect((await killed.process.exited).signal).toBe('SIGKILL');
  const end = await survivor.exited;
  expect(end.code, end.stderr).toBe(0);
  const detail = JSON.parse(end.stdout) as { state: string; items: { tenantId: string; state: string; attempts: number }[] };
  expect(detail.state).toBe('succeeded');
  expect(lost.length).toBeGreaterThan(0);
  const lostIds = new Set(lost.map((l) => l.tenant_id));
  for (const item of detail.items) expect([item.state, item.attempts]).toEqual(['succeeded', lostIds.has(item.tenantId) ? 2 : 1]);
  const again = await world.control<{ tenant_id: string; started_at: Date }>(
    `SELECT tenant_id, started_at FROM fleet.items WHERE run_id = $1 AND tenant_id = ANY ($2)`,
    [run, [...lostIds]],
  );
  return lost.map((l) => again.find((r) => r.tenant_id === l.tenant_id)!.started_at.getTime() - l.started_at.getTime());
}
