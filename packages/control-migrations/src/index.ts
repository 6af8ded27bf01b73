import { defineRegistryFromFiles, type Registry } from '@atlasai/migrator-core';
// Every file of ../sql, embedded by tsup at build time: the built package reads no file at run time.
import files from 'virtual:atlas-sql';

/** The Control Plane's migrations (versions 1001–1099): tenants, subscriptions, billing, OAuth, leads, config. */
export const registry: Registry = defineRegistryFromFiles({ plane: 'control', range: { min: 1001, max: 1099 }, files });

export default registry;
