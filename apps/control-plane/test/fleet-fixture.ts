import { randomBytes, randomUUID } from 'node:crypto';
import { inject } from 'vitest';
import { adminQuery, createDatabase, withClient, withDatabase, type TestDatabase } from '@atlasai/test-kit';

/** What the fleet tests share: a few dedicated tenant databases with one prefix, and HTTP with a body. */
export interface FleetTenant {
  readonly id: string;
  readonly name: string;
  readonly database: string;
  readonly url: string;
  /** Its `organizations` table has the wrong shape, so the release's first migration fails on it. */
  readonly broken: boolean;
}

/**
 * Creates `names.length` fresh tenant databases named `atlas_fleet_<random>_<i>`; a broken one gets a
 * table `organizations (x int)`: 2001's CREATE TABLE IF NOT EXISTS skips it, and its first index on
 * organizations (tenant_id) fails with SQLSTATE 42703, an error that is not transient.
 */
export async function createTenantDatabases(specs: readonly { name: string; broken?: boolean }[]): Promise<FleetTenant[]> {
  const prefix = `atlas_fleet_${randomBytes(4).toString('hex')}`;
  const adminUrl = inject('pgAdminUrl');
  const tenants: FleetTenant[] = [];
  for (const [i, spec] of specs.entries()) {
    const database = `${prefix}_${i}`;
    await createDatabase(database);
    tenants.push({ id: randomUUID(), name: spec.name, database, url: withDatabase(adminUrl, database), broken: spec.broken === true });
  }
  for (const tenant of tenants.filter((t) => t.broken)) await withClient(tenant.url, (client) => client.query('CREATE TABLE organizations (x int)'));
  return tenants;
}

export async function dropTenantDatabases(tenants: readonly FleetTenant[]): Promise<void> {
  for (const t of tenants) await adminQuery(`DROP DATABASE IF EXISTS ${t.database} WITH (FORCE)`);
}

/** Registers the tenants as dedicated, active tenants of a migrated Control Plane database. */
export async function registerTenants(control: TestDatabase, tenants: readonly FleetTenant[]): Promise<void> {
  for (const t of tenants) {
    await control.query(`INSERT INTO tenants (id, name, status, deployment_model, db_url) VALUES ($1, $2, 'active', 'dedicated', $3)`, [t.id, t.name, t.url]);
  }
}

/** The versions in a tenant database's history, in order. */
export async function appliedVersions(tenant: FleetTenant): Promise<number[]> {
  return withClient(tenant.url, async (client) => {
    const exists = await client.query(`SELECT to_regclass('public.schema_migrations') IS NOT NULL AS ok`);
    if (!exists.rows[0].ok) return [];
    return (await client.query('SELECT version FROM schema_migrations ORDER BY version')).rows.map((r) => Number(r.version));
  });
}

export interface Answer {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  /** The body as JSON, or null when it is not JSON. */
  readonly body: any;
}

/** One HTTP call with optional JSON body, secret header and extra headers. */
export async function call(url: string, options: { method?: string; secret?: string; json?: unknown; headers?: Record<string, string> } = {}): Promise<Answer> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.secret !== undefined) headers['x-service-secret'] = options.secret;
  if (options.json !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(url, {
    method: options.method ?? 'GET',
    headers,
    body: options.json === undefined ? undefined : JSON.stringify(options.json),
    redirect: 'manual',
  });
  const text = await response.text();
  let body: any = null;
  try {
    body = JSON.parse(text);
  } catch {
    body = null;
  }
  return { status: response.status, headers: response.headers, text, body };
}

/** Polls the run through the API until `done(run)`; generous bound, no timing asserted. */
export async function waitForRun(base: string, secret: string, id: string, done: (run: any) => boolean, timeoutMs = 90_000): Promise<any> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const answer = await call(`${base}/api/fleet/runs/${id}`, { secret });
    if (answer.status !== 200) throw new Error(`GET run ${id}: ${answer.status} ${answer.text}`);
    if (done(answer.body)) return answer.body;
    if (Date.now() > deadline) throw new Error(`run ${id} still ${answer.body.state} after ${timeoutMs} ms: ${answer.text}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** A run is over (or waits for an operator) in these states. */
export const SETTLED = new Set(['succeeded', 'failed', 'cancelled', 'halted']);
