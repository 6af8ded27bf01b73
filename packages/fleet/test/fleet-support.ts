import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import { createDialect, runMigrations, silentLogger, type Logger } from '@atlasai/migrator-core';
import { adminQuery, createDatabase, withDatabase } from '@atlasai/test-kit';
import { registry as controlRegistry } from '../../control-migrations/dist/index.js';

/** A Control Plane database migrated with the control registry, and dedicated tenants with databases of their own. */
export interface FleetWorld {
  readonly controlUrl: string;
  readonly prefix: string;
  /** Runs SQL on the Control Plane database. */
  control<R = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<R[]>;
  /** Creates a tenant row; its database is created unless `missing`. */
  addTenant(options?: { tags?: string[]; missing?: boolean; name?: string }): Promise<{ id: string; url: string; database: string }>;
  /** Runs SQL on a tenant's database. */
  tenant<R = Record<string, unknown>>(database: string, sql: string, params?: unknown[]): Promise<R[]>;
  drop(): Promise<void>;
}

export async function createFleetWorld(): Promise<FleetWorld> {
  const adminUrl = inject('pgAdminUrl');
  const prefix = `atlas_fleet_${randomBytes(4).toString('hex')}`;
  const controlDb = `${prefix}_control`;
  await createDatabase(controlDb);
  const controlUrl = withDatabase(adminUrl, controlDb);
  const report = await runMigrations({
    registry: controlRegistry,
    dialect: await createDialect(controlUrl, silentLogger),
    mode: 'apply',
    logger: silentLogger,
  });
  if (report.error) throw new Error(report.error.message);
  // A pool, not one client: tests add tenants concurrently (Promise.all), and one pg client runs one query at a time.
  const control = new pg.Pool({ connectionString: controlUrl, max: 4 });
  // pg's Pool.end() resolves once each client is told to end, not once its connection is gone: the DROP …
  // WITH (FORCE) of drop() may still reach one closing, and its "terminating connection" would be an
  // uncaught error of whichever test runs next in this worker. Expected then, and only then.
  let dropping = false;
  control.on('connect', (client) =>
    client.on('error', (error) => {
      if (!dropping) throw error;
    }),
  );
  const tenantClients = new Map<string, pg.Client>();
  let n = 0;
  return {
    controlUrl,
    prefix,
    control: async (sql, params) => (await control.query(sql, params)).rows,
    async addTenant(options = {}) {
      const database = `${prefix}_t${++n}`;
      if (!options.missing) await createDatabase(database);
      const url = withDatabase(adminUrl, database);
      const rows = await control.query<{ id: string }>(
        `INSERT INTO tenants (name, status, deployment_model, db_url, metadata) VALUES ($1, 'active', 'dedicated', $2, $3) RETURNING id::text AS id`,
        [options.name ?? database, url, JSON.stringify({ tags: options.tags ?? [] })],
      );
      return { id: rows.rows[0]!.id, url, database };
    },
    async tenant(database, sql, params) {
      let client = tenantClients.get(database);
      if (!client) {
        client = new pg.Client({ connectionString: withDatabase(adminUrl, database) });
        await client.connect();
        tenantClients.set(database, client);
      }
      return (await client.query(sql, params)).rows;
    },
    async drop() {
      dropping = true;
      await Promise.all([control.end(), ...[...tenantClients.values()].map((c) => c.end())]);
      const dbs = (await adminQuery(`SELECT datname FROM pg_database WHERE datname LIKE $1`, [`${prefix}\\_%`])).rows as { datname: string }[];
      for (const { datname } of dbs) await adminQuery(`DROP DATABASE IF EXISTS ${datname} WITH (FORCE)`);
    },
  };
}

/** Warnings and errors, kept for assertions (the password test reads them all). */
export function capturingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const line = (level: string) => (message: string, fields?: Record<string, unknown>) => void lines.push(JSON.stringify({ level, message, ...fields }));
  return { lines, debug: line('debug'), info: line('info'), warn: line('warn'), error: line('error') };
}

export async function historyOf(world: FleetWorld, database: string): Promise<number[]> {
  const exists = await world.tenant<{ ok: boolean }>(database, `SELECT to_regclass('public.schema_migrations') IS NOT NULL AS ok`);
  if (!exists[0]!.ok) return [];
  return (await world.tenant<{ version: string }>(database, 'SELECT version FROM schema_migrations ORDER BY version')).map((r) => Number(r.version));
}
