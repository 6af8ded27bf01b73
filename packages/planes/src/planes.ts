import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { registry as controlRegistry } from '@atlasai/control-migrations';
import { registry as tenantRegistry } from '@atlasai/tenant-migrations';
import type { Registry } from '@atlasai/migrator-core';

/** A plane as the operator commands and the services know it: its registry, the variable naming its URL, its default SQLite file. */
export interface PlaneDefinition {
  readonly registry: Registry;
  readonly urlVariable: string;
  /** The file under the data folder a plane without a URL uses (created as needed). */
  readonly sqliteFile: string;
  /** The registry's `sql/` folder in this repository, where `pnpm migrate:new` writes. */
  readonly sqlDir: string;
}

const packages = (path: string) => fileURLToPath(new URL(`../../${path}`, import.meta.url));

/** How operators reach the Control Plane's database: `CONTROL_PLANE_DATABASE_URL`, else `data/control-plane.db` (SQLite). */
export const controlPlane: PlaneDefinition = Object.freeze({
  registry: controlRegistry,
  urlVariable: 'CONTROL_PLANE_DATABASE_URL',
  sqliteFile: 'control-plane.db',
  sqlDir: packages('control-migrations/sql'),
});

/** How operators reach the Tenant Plane's database: `TENANT_PLANE_DATABASE_URL`, else `data/tenant-plane.db` (SQLite). */
export const tenantPlane: PlaneDefinition = Object.freeze({
  registry: tenantRegistry,
  urlVariable: 'TENANT_PLANE_DATABASE_URL',
  sqliteFile: 'tenant-plane.db',
  sqlDir: packages('tenant-migrations/sql'),
});

/** Every plane, in the order the operator commands run them: the control plane, then the tenant plane. */
export const PLANES: readonly PlaneDefinition[] = Object.freeze([controlPlane, tenantPlane]);

/** The repository's `data/` folder: where a plane without a URL keeps its SQLite file. */
export const DATA_DIR = fileURLToPath(new URL('../../../data/', import.meta.url));

/** A plane's URL: its variable when set and not blank, else its SQLite file in `dataDir`. */
export function planeUrl(plane: PlaneDefinition, env: Readonly<Record<string, string | undefined>>, dataDir: string = DATA_DIR): string {
  return env[plane.urlVariable]?.trim() || `sqlite:${join(dataDir, plane.sqliteFile)}`;
}
