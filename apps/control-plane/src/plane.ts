import { registry } from '@atlasai/control-migrations';
import type { PlaneDefinition } from '@atlasai/migrator-core/cli';

/** How operators reach this plane's database: `CONTROL_PLANE_DATABASE_URL`, else `data/control-plane.db` (SQLite). */
export const controlPlane: PlaneDefinition = Object.freeze({ registry, urlVariable: 'CONTROL_PLANE_DATABASE_URL', sqliteFile: 'control-plane.db' });
