import type { Dialect } from '../dialect.js';
import { MigratorError } from '../errors.js';
import { silentLogger, type Logger } from '../logger.js';
import type { Registry } from '../registry.js';
import { DEFAULT_LOCK_TIMEOUT_MS, runMigrations } from '../runner.js';
import { objectKey, type SchemaObject } from './schema-object.js';
import type { SchemaSnapshot, SnapshotTag } from './snapshot-format.js';
import { snapshotSourceOf } from './snapshot-source.js';

/** Reads the catalog on a read-only session of its own. */
export async function readCatalog(dialect: Dialect, applicationName: string): Promise<readonly SchemaObject[]> {
  const session = await dialect.connect({ applicationName, readOnly: true, lockTimeoutMs: DEFAULT_LOCK_TIMEOUT_MS });
  try {
    return await session.readSchema();
  } finally {
    await session.close();
  }
}

/**
 * Applies the registry to an empty, throwaway database one migration at a time (each migration still
 * runs once: the whole registry is applied once) and reads the catalog after each, so that each object
 * is tagged with the version that created it and each version that changed it. An object a later
 * migration removes leaves the snapshot (forward-only registries should never do that).
 */
export async function generateSnapshot(options: { registry: Registry; dialect: Dialect; logger?: Logger }): Promise<SchemaSnapshot> {
  const logger = options.logger ?? silentLogger;
  // The registry's own (older) snapshot has nothing to say about the run that makes the new one.
  const registry: Registry = { plane: options.registry.plane, range: options.registry.range, migrations: options.registry.migrations };
  const appName = `atlas-migrate:${registry.plane}:snapshot`;
  const first = await options.dialect.connect({ applicationName: appName, readOnly: true, lockTimeoutMs: DEFAULT_LOCK_TIMEOUT_MS });
  const variant = first.sqlVariant;
  const initial = await first.readSchema().finally(() => first.close());
  if (initial.length > 0) {
    throw new MigratorError(
      'CONFIG_INVALID',
      `A schema snapshot is taken on an empty database; ${options.dialect.target} already holds ${initial.length} object(s), such as ${objectKey(initial[0]!)}`,
    );
  }
  const tags = new Map<string, { kind: SchemaObject['kind']; name: string; tags: SnapshotTag[] }>();
  for (const migration of registry.migrations) {
    const report = await runMigrations({ registry, dialect: options.dialect, mode: 'apply', logger, to: migration.version });
    if (!report.ok) {
      throw new MigratorError(
        report.error?.code ?? 'DATABASE_ERROR',
        `Taking the ${registry.plane} snapshot failed at migration ${migration.version}: ${report.error?.message ?? 'unknown error'}`,
        {
          plane: registry.plane,
          version: migration.version,
          cause: report.error,
        },
      );
    }
    const session = await options.dialect.connect({ applicationName: appName, readOnly: true, lockTimeoutMs: DEFAULT_LOCK_TIMEOUT_MS });
    let objects: readonly SchemaObject[];
    try {
      objects = await session.readSchema();
    } finally {
      await session.close();
    }
    const now = new Set<string>();
    for (const object of objects) {
      const key = objectKey(object);
      now.add(key);
      const entry = tags.get(key);
      if (!entry) tags.set(key, { kind: object.kind, name: object.name, tags: [{ version: migration.version, definition: object.definition }] });
      else if (entry.tags[entry.tags.length - 1]!.definition !== object.definition)
        entry.tags.push({ version: migration.version, definition: object.definition });
    }
    for (const key of [...tags.keys()]) if (!now.has(key)) tags.delete(key);
  }
  // What it was made from, so that a snapshot older than its registry is recognised (verify).
  return { plane: registry.plane, dialect: variant, objects: [...tags.values()], source: snapshotSourceOf(registry, variant) };
}
