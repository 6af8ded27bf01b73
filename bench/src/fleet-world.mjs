import { join } from 'node:path';
import pg from 'pg';

/**
 * The fleet bench's databases on the local PostgreSQL: a Control Plane database (the control registry,
 * then the fleet's own `fleet` and `pgboss` schemas as the fleet creates them) and tenant databases, all
 * named with one prefix and all dropped at the end. Tenants "at the release minus its last migration"
 * are copies of one template database migrated once (CREATE DATABASE … TEMPLATE), so that preparing 200
 * of them costs no migrations.
 */

const REPO = new URL('../../', import.meta.url).pathname;
const core = await import(join(REPO, 'packages', 'migrator-core', 'dist', 'index.js'));
const { registry: tenantRegistry } = await import(join(REPO, 'packages', 'tenant-migrations', 'dist', 'index.js'));
const { registry: controlRegistry } = await import(join(REPO, 'packages', 'control-migrations', 'dist', 'index.js'));

export { core, tenantRegistry };
export const TENANT_VERSIONS = tenantRegistry.migrations.map((m) => m.version);
export const LAST_VERSION = TENANT_VERSIONS.at(-1);
export const BEFORE_LAST = TENANT_VERSIONS.at(-2);

/** Runs `fn` over `items` with at most `n` at once. */
export async function pool(items, n, fn) {
  const out = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(n, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i], i);
      }
    }),
  );
  return out;
}

export async function createWorld(adminUrl) {
  const prefix = `atlas_fleetbench_${process.pid}_`;
  const admin = new pg.Client({ connectionString: adminUrl, application_name: 'atlas-bench-admin' });
  await admin.connect();
  const urlOf = (name) => {
    const url = new URL(adminUrl);
    url.pathname = `/${name}`;
    return url.toString();
  };
  let counter = 0;
  const name = (kind) => `${prefix}${kind}${++counter}`;
  const query = async (database, sql, params) => {
    const client = new pg.Client({ connectionString: urlOf(database), application_name: 'atlas-bench-check' });
    await client.connect();
    try {
      return (await client.query(sql, params)).rows;
    } finally {
      await client.end();
    }
  };
  // Each DROP DATABASE waits for a checkpoint; eight at once share them.
  const dropMany = async (names) => {
    const clients = await Promise.all(
      Array.from({ length: Math.min(8, names.length) }, async () => {
        const c = new pg.Client({ connectionString: adminUrl, application_name: 'atlas-bench-admin' });
        await c.connect();
        return c;
      }),
    );
    let next = 0;
    try {
      await Promise.all(
        clients.map(async (c) => {
          while (next < names.length) await c.query(`DROP DATABASE IF EXISTS ${names[next++]} WITH (FORCE)`);
        }),
      );
    } finally {
      await Promise.all(clients.map((c) => c.end()));
    }
  };
  const templates = new Map();

  const world = {
    prefix,
    admin,
    urlOf,
    query,
    /** A Control Plane database: the control registry applied (its `tenants` table, 1001). */
    async createControl() {
      const db = name('control');
      await admin.query(`CREATE DATABASE ${db}`);
      const url = urlOf(db);
      const report = await core.runMigrations({
        registry: controlRegistry,
        dialect: await core.createDialect(url, core.silentLogger),
        mode: 'apply',
        logger: core.silentLogger,
      });
      if (report.error) throw new Error(`control registry: ${report.error.message}`);
      const client = new pg.Client({ connectionString: url, application_name: 'atlas-bench-control' });
      // Dropped WITH (FORCE) at the end: the termination is expected.
      client.on('error', () => undefined);
      await client.connect();
      return { name: db, url, client, end: () => client.end() };
    },
    /**
     * `n` tenant databases: empty, or copies of a template migrated up to `atVersion`. `missing` names are
     * returned without a database.
     */
    async createTenants(n, { atVersion = null, missing = 0 } = {}) {
      let template = null;
      if (atVersion !== null) {
        template = templates.get(atVersion);
        if (!template) {
          template = name('tpl');
          await admin.query(`CREATE DATABASE ${template}`);
          const report = await core.runMigrations({
            registry: tenantRegistry,
            dialect: await core.createDialect(urlOf(template), core.silentLogger),
            mode: 'apply',
            to: atVersion,
            logger: core.silentLogger,
          });
          if (report.error) throw new Error(`template at ${atVersion}: ${report.error.message}`);
          templates.set(atVersion, template);
        }
      }
      const names = Array.from({ length: n }, () => name('tenant'));
      // One at a time: a template cannot be copied while another copy of it is being made.
      for (const db of names.slice(0, n - missing)) await admin.query(`CREATE DATABASE ${db}${template ? ` TEMPLATE ${template}` : ''}`);
      return names.map((db) => ({ database: db, url: urlOf(db) }));
    },
    /** Registers tenants as dedicated, active tenants of the Control Plane; returns their ids in order. */
    async register(control, tenants, { tags = () => [] } = {}) {
      const { rows } = await control.client.query(
        `INSERT INTO tenants (name, status, deployment_model, db_url, metadata)
         SELECT n, 'active', 'dedicated', u, jsonb_build_object('tags', t::jsonb) FROM unnest($1::text[], $2::text[], $3::text[]) WITH ORDINALITY AS x(n, u, t, i)
         ORDER BY i RETURNING id::text AS id`,
        [tenants.map((t) => t.database), tenants.map((t) => t.url), tenants.map((t, i) => JSON.stringify(tags(t, i)))],
      );
      for (const [i, r] of rows.entries()) tenants[i].id = r.id;
      return tenants;
    },
    /** Takes every tenant out of the fleet (status 'deleted'), so that the next run selects only new ones. */
    retireAll: (control) => control.client.query(`UPDATE tenants SET status = 'deleted' WHERE status <> 'deleted'`),
    /** Migrated versions per tenant (null where the database or its history is missing). */
    historyOf: (tenants) =>
      pool(tenants, 8, async (t) => {
        try {
          const rows = await query(t.database, `SELECT to_regclass('public.schema_migrations') IS NOT NULL AS ok`);
          if (!rows[0].ok) return [];
          return (await query(t.database, 'SELECT version::bigint AS v FROM schema_migrations ORDER BY version')).map((r) => Number(r.v));
        } catch {
          return null;
        }
      }),
    /** INVALID indexes (an interrupted CREATE INDEX CONCURRENTLY) in each tenant. */
    invalidIndexesOf: (tenants) =>
      pool(tenants, 8, async (t) => Number((await query(t.database, 'SELECT count(*)::int AS n FROM pg_index WHERE NOT indisvalid'))[0].n)),
    /** Advisory locks held on any of this bench's databases (the engine's plane lock, the fleet's host slots). */
    async advisoryLocks() {
      const { rows } = await admin.query(
        `SELECT d.datname, l.pid, a.application_name FROM pg_locks l JOIN pg_database d ON d.oid = l.database LEFT JOIN pg_stat_activity a ON a.pid = l.pid WHERE l.locktype = 'advisory' AND d.datname LIKE $1`,
        [`${prefix}%`],
      );
      return rows;
    },
    async dropTenants(tenants) {
      await dropMany(tenants.map((t) => t.database));
    },
    async dropAll() {
      const { rows } = await admin.query('SELECT datname FROM pg_database WHERE datname LIKE $1', [`${prefix}%`]);
      await dropMany(rows.map((r) => r.datname));
      templates.clear();
    },
    end: () => admin.end(),
  };
  return world;
}

/**
 * Samples pg_stat_activity every `everyMs`: the sessions on this bench's tenant databases whose
 * application_name starts with `appPrefix` (the fleet names its tenant sessions `atlas-fleet:<run>:<replica>`).
 * Reports the most tenant databases with a session at once, the most sessions at once, and every tenant
 * seen with sessions of two different replicas at the same instant (an overlapping attempt).
 */
export function sampleActivity(world, appPrefix, everyMs = 50) {
  const client = new pg.Client({ connectionString: world.urlOf('postgres'), application_name: 'atlas-bench-sampler' });
  let stopped = false;
  const stats = { samples: 0, maxTenants: 0, maxSessions: 0, overlaps: new Set(), perReplicaMax: {} };
  const loop = (async () => {
    await client.connect();
    while (!stopped) {
      const { rows } = await client.query(`SELECT datname, application_name FROM pg_stat_activity WHERE datname LIKE $1 AND application_name LIKE $2`, [
        `${world.prefix}tenant%`,
        `${appPrefix}%`,
      ]);
      stats.samples++;
      const byDb = new Map();
      const byReplica = new Map();
      for (const r of rows) {
        // The engine stamps its lock holder's name: `<name> locked <time>`.
        const replica = r.application_name.slice(appPrefix.length).replace(/ locked .*$/, '');
        (byDb.get(r.datname) ?? byDb.set(r.datname, new Set()).get(r.datname)).add(replica);
        (byReplica.get(replica) ?? byReplica.set(replica, new Set()).get(replica)).add(r.datname);
      }
      stats.maxTenants = Math.max(stats.maxTenants, byDb.size);
      stats.maxSessions = Math.max(stats.maxSessions, rows.length);
      for (const [db, replicas] of byDb) if (replicas.size > 1) stats.overlaps.add(db);
      for (const [replica, dbs] of byReplica) stats.perReplicaMax[replica] = Math.max(stats.perReplicaMax[replica] ?? 0, dbs.size);
      await new Promise((r) => setTimeout(r, everyMs));
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop.catch(() => undefined);
      await client.end().catch(() => undefined);
      return {
        samples: stats.samples,
        maxTenants: stats.maxTenants,
        maxSessions: stats.maxSessions,
        overlaps: [...stats.overlaps],
        perReplicaMax: stats.perReplicaMax,
      };
    },
  };
}
