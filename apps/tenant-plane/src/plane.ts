import { registry } from '@atlasai/tenant-migrations';
import type { PlaneDefinition } from '@atlasai/migrator-core/cli';

/** How operators reach this plane's database: `TENANT_PLANE_DATABASE_URL`, else `data/tenant-plane.db` (SQLite). */
export const tenantPlane: PlaneDefinition = Object.freeze({ registry, urlVariable: 'TENANT_PLANE_DATABASE_URL', sqliteFile: 'tenant-plane.db' });
