export * from './types.js';
export { openFleet } from './open-fleet.js';
export { FLEET_SETTINGS, fleetSettingsFromEnv } from './settings.js';
export { REPLICA_LOST } from './reconcile.js';
export { jobPolicyFrom, takeoverBoundSeconds } from './job-policy.js';
