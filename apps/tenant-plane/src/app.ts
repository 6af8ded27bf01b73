import { createServiceApp, type ServiceDeps } from '@atlasai/plane-service';
import type { FastifyInstance } from 'fastify';
import type { TenantDatabase } from './db.js';
import { tenantPlane } from '@atlasai/planes';
import { incidentsRoute } from './routes/incidents.js';

export type TenantDeps = ServiceDeps<TenantDatabase>;

/** The Tenant Plane's app (health, status, migrate, incidents); it does not listen. */
export function createApp(deps: TenantDeps): FastifyInstance {
  return createServiceApp(deps, tenantPlane.registry, (app, context) => {
    incidentsRoute(app, context);
  });
}
