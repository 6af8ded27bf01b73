export { DATA_DIR, PLANES, controlPlane, planeUrl, tenantPlane, type PlaneDefinition } from './planes.js';
export { planeTargets, runOperatorCommand, type OperatorOptions } from './operator-commands.js';
