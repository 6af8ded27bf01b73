import type { Queryable } from './control-db.js';
import { describeTarget, type TenantTarget } from './targets.js';
import type { RunSpec } from './types.js';

export interface FleetTenant extends TenantTarget {
  readonly id: string;
  readonly name: string | null;
  readonly tags: readonly string[];
}

/**
 * The fleet: every dedicated tenant with a db_url whose status is not `deleted` (the Control Plane's
 * `tenants`, 1001), narrowed by ids, statuses and tags (`metadata.tags`, an array of strings: a tenant
 * matches when it has any of the tags asked for). A tenant whose db_url cannot be parsed is left out.
 */
export async function selectFleet(db: Queryable, filter: RunSpec['filter'] = {}): Promise<FleetTenant[]> {
  const { rows } = await db.query<{ id: string; name: string | null; db_url: string; tags: unknown }>(
    `SELECT id::text AS id, name, db_url, CASE WHEN jsonb_typeof(metadata->'tags') = 'array' THEN metadata->'tags' ELSE '[]'::jsonb END AS tags
       FROM public.tenants
      WHERE deployment_model = 'dedicated' AND db_url IS NOT NULL AND status <> 'deleted'
        AND ($1::text[] IS NULL OR id::text = ANY ($1))
        AND ($2::text[] IS NULL OR status = ANY ($2))
        AND ($3::text[] IS NULL OR (jsonb_typeof(metadata->'tags') = 'array' AND metadata->'tags' ?| $3))
      ORDER BY id`,
    [filter.ids?.length ? filter.ids : null, filter.statuses?.length ? filter.statuses : null, filter.tags?.length ? filter.tags : null],
  );
  const tenants: FleetTenant[] = [];
  for (const row of rows) {
    let target: TenantTarget;
    try {
      target = describeTarget(row.db_url);
    } catch {
      target = { host: 'invalid', target: '(invalid db_url)', hasPassword: false };
    }
    tenants.push({ id: row.id, name: row.name, tags: Array.isArray(row.tags) ? row.tags.filter((t): t is string => typeof t === 'string') : [], ...target });
  }
  return tenants;
}

/** The tenant's db_url, read when its migration starts (it is never stored in a run). */
export async function tenantDbUrl(db: Queryable, tenantId: string): Promise<string | null> {
  const { rows } = await db.query<{ db_url: string | null }>(`SELECT db_url FROM public.tenants WHERE id::text = $1 AND status <> 'deleted'`, [tenantId]);
  return rows[0]?.db_url ?? null;
}
