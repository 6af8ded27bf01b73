export * from './types.js';
export { openFleet } from './open-fleet.js';
