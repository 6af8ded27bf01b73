import { FleetError, type Fleet, type FleetOptions } from './types.js';

/** Opens the fleet on the Control Plane's PostgreSQL (placeholder until the worker lands). */
export async function openFleet(options: FleetOptions): Promise<Fleet> {
  throw new FleetError('FLEET_REQUIRES_POSTGRES', `not implemented yet (${options.controlUrl.length})`);
}
