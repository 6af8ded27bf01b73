import { fileURLToPath } from 'node:url';
import { defineRegistryFromFiles, type Registry } from '@atlasai/migrator-core';
// Every file of ../sql, embedded by tsup at build time: the built package reads no file at run time.
import files, { idempotent } from 'virtual:atlas-sql';
// ../schema/<dialect>.snapshot, embedded the same way: drift checks compare with it after every run.
import snapshots from 'virtual:atlas-schema';

/** The package's `sql/` folder (beside `dist/`), which the commands a message names (`atlas-migrate repair --dir …`) read. */
const SQL_DIR = fileURLToPath(new URL('../sql', import.meta.url));

/** The Control Plane's migrations (versions 1001–1099): tenants, subscriptions, billing, OAuth, leads, config. */
export const registry: Registry = defineRegistryFromFiles({ plane: 'control', range: { min: 1001, max: 1099 }, files, snapshots, idempotent, sqlDir: SQL_DIR });

export default registry;
