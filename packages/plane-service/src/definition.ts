import type { PlaneDefinition } from '@atlasai/planes';

/** One plane's service: the plane the operator commands know (packages/planes), plus what only the service needs. */
export interface ServiceDefinition {
  readonly plane: PlaneDefinition;
  /** `PORT` when unset: 3000 for the Tenant Plane, 3001 for the Control Plane. */
  readonly defaultPort: number;
}
