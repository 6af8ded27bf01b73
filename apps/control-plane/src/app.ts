import { createServiceApp, type ServiceApp, type ServiceDeps } from '@atlasai/plane-service';
import type { ControlDatabase } from './db.js';
import { fleetPlugin } from './fleet/plugin.js';
import { controlPlane } from '@atlasai/planes';
import { invoicesRoute } from './routes/invoices.js';
import { leadsRoute } from './routes/leads.js';

export type ControlDeps = ServiceDeps<ControlDatabase>;

/** The Control Plane's app (health, status, migrate, invoices, leads, fleet); it does not listen. */
export function createApp(deps: ControlDeps): ServiceApp {
  return createServiceApp(deps, controlPlane.registry, (app, context) => {
    invoicesRoute(app, context);
    leadsRoute(app, context);
    fleetPlugin(app, context);
  });
}
