import { createServiceApp, type ServiceDeps } from '@atlasai/plane-service';
import type { FastifyInstance } from 'fastify';
import type { ControlDatabase } from './db.js';
import { controlPlane } from '@atlasai/planes';
import { invoicesRoute } from './routes/invoices.js';
import { leadsRoute } from './routes/leads.js';

export type ControlDeps = ServiceDeps<ControlDatabase>;

/** The Control Plane's app (health, status, migrate, invoices, leads); it does not listen. */
export function createApp(deps: ControlDeps): FastifyInstance {
  return createServiceApp(deps, controlPlane.registry, (app, context) => {
    invoicesRoute(app, context);
    leadsRoute(app, context);
  });
}
