import type { Registry } from '@atlasai/migrator-core';
import type { ServiceConfig } from './config.js';
import type { ServiceDatabase } from './database.js';
import type { MigrationStateMonitor } from './schema-state.js';

/** What every route of a service works with. */
export interface ServiceContext<DB = unknown> {
  readonly config: ServiceConfig;
  readonly registry: Registry;
  readonly database: ServiceDatabase<DB>;
  /** Which migrations the database has applied, read through the service's own pool and cached for health polls. */
  readonly migrationState: MigrationStateMonitor;
}
