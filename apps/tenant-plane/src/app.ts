import { createServiceApp, type ServiceApp, type ServiceDeps } from '@atlasai/plane-service';
import type { TenantDatabase } from './db.js';
import { tenantPlane } from '@atlasai/planes';
import { incidentsRoute } from './routes/incidents.js';

export type TenantDeps = ServiceDeps<TenantDatabase>;

/** The Tenant Plane's app (health, status, migrate, incidents); it does not listen. */
export function createApp(deps: TenantDeps): ServiceApp {
  return createServiceApp(deps, tenantPlane.registry, (app, context) => {
    incidentsRoute(app, context);
  });
}
