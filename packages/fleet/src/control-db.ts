import { createDialect, parseDatabaseUrl, runMigrations, type Logger } from '@atlasai/migrator-core';
import pg from 'pg';
import { FLEET_SCHEMA, fleetRegistry } from './fleet-registry.js';
import { FleetError } from './types.js';

/** The Control Plane URL, refused unless it is PostgreSQL: the fleet's queue and state need it. */
export function requirePostgres(controlUrl: string | undefined): string {
  const why =
    'Fleet migrations need the Control Plane on PostgreSQL (CONTROL_PLANE_DATABASE_URL): pg-boss, the per-host cap and the fleet state live in its database';
  if (!controlUrl) throw new FleetError('FLEET_REQUIRES_POSTGRES', `${why}; it is not set`);
  let kind: string;
  try {
    kind = parseDatabaseUrl(controlUrl).kind;
  } catch (error) {
    throw new FleetError('FLEET_REQUIRES_POSTGRES', `${why}; the URL given is not valid`, { cause: error });
  }
  if (kind !== 'postgres') throw new FleetError('FLEET_REQUIRES_POSTGRES', `${why}; this one is SQLite`);
  return controlUrl;
}

/** Brings the `fleet` schema of the Control Plane database to this release, with the engine and its lock. */
export async function migrateFleetSchema(controlUrl: string, logger: Logger): Promise<void> {
  const report = await runMigrations({
    registry: fleetRegistry,
    dialect: await createDialect(controlUrl, logger, { schema: FLEET_SCHEMA }),
    mode: 'apply',
    logger,
  });
  if (report.error)
    throw new FleetError('FLEET_SETUP_FAILED', `The fleet schema of the Control Plane database could not be migrated: ${report.error.message}`, {
      cause: report.error,
    });
}

/** A small pool for the fleet's own queries (runs, items, status); every query names the `fleet` schema. */
export function openPool(controlUrl: string, applicationName: string): pg.Pool {
  const pool = new pg.Pool({ connectionString: controlUrl, max: 4, application_name: applicationName });
  // An idle client's error (a restart) is not a crash: the next query reconnects.
  pool.on('error', () => undefined);
  return pool;
}

export type Queryable = Pick<pg.ClientBase, 'query'>;

/** Runs `fn` in a transaction on one client of the pool. */
export async function inTransaction<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}
