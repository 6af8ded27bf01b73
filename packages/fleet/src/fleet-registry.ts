import { defineRegistryFromFiles, type Registry } from '@atlasai/migrator-core';
// The files of ../sql and ../schema, embedded by tsup at build time (as in @atlasai/tenant-migrations).
import snapshots from 'virtual:atlas-schema';
import files from 'virtual:atlas-sql';

/** Where the fleet's tables live in the Control Plane database: a schema of its own, with its own history. */
export const FLEET_SCHEMA = 'fleet';

/** The fleet's own state (runs, items, per-tenant status): versions 3001–3099, applied by the engine into `fleet`. */
export const fleetRegistry: Registry = defineRegistryFromFiles({ plane: 'fleet', range: { min: 3001, max: 3099 }, files, snapshots });
