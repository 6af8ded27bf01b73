import type { Registry } from '@atlasai/migrator-core';
import type { ServiceConfig } from './config.js';
import type { ServiceDatabase } from './database.js';
import type { SchemaMonitor } from './schema-state.js';

/** What every route of a service works with. */
export interface ServiceContext<DB = unknown> {
  readonly config: ServiceConfig;
  readonly registry: Registry;
  readonly database: ServiceDatabase<DB>;
  readonly schema: SchemaMonitor;
}
