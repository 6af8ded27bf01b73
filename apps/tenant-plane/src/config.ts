import { fileURLToPath } from 'node:url';
import { loadConfig as loadServiceConfig, type ServiceConfig, type ServiceDefinition } from '@atlasai/plane-service';
import { tenantPlane } from '@atlasai/planes';

/**
 * The Tenant Plane service: its plane and its default port (3000). The variables a service reads are listed
 * once, where they are parsed (plane-service's `loadConfig`), and in the README's Services table.
 */
export const tenantService: ServiceDefinition = Object.freeze({ plane: tenantPlane, defaultPort: 3000 });

/** The repository's `data/` folder, where `npm run migrate:versioned` keeps the default SQLite file too. */
export const DEFAULT_DATA_DIR = fileURLToPath(new URL('../../../data/', import.meta.url));

/** The repository root's `.env`, read at boot when present (`ATLAS_ENV_FILE` names another; `ATLAS_DOTENV=0` reads none). */
export const DEFAULT_ENV_FILE = fileURLToPath(new URL('../../../.env', import.meta.url));

/** Parses the environment once; throws a ConfigError listing every problem. */
export function loadConfig(env: Readonly<Record<string, string | undefined>>, dataDir: string = DEFAULT_DATA_DIR): ServiceConfig {
  return loadServiceConfig(tenantService, env, dataDir);
}
