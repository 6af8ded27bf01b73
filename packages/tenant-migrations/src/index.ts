import { fileURLToPath } from 'node:url';
import { defineRegistryFromFiles, type Registry } from '@atlasai/migrator-core';
// Every file of ../sql, embedded by tsup at build time: the built package reads no file at run time.
import files, { idempotent } from 'virtual:atlas-sql';
// ../schema/<dialect>.snapshot, embedded the same way: drift checks compare with it after every run.
import snapshots from 'virtual:atlas-schema';

/** The package's `sql/` folder (beside `dist/`), which the commands a message names (`atlas-migrate repair --dir …`) read. */
const SQL_DIR = fileURLToPath(new URL('../sql', import.meta.url));

/** The Tenant Plane's migrations (versions 2001–2099): organizations, events, incidents, automation, inventory, logs. */
export const registry: Registry = defineRegistryFromFiles({ plane: 'tenant', range: { min: 2001, max: 2099 }, files, snapshots, idempotent, sqlDir: SQL_DIR });

export default registry;
