import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createDialect,
  loadRegistryFromDir,
  runMigrations,
  silentLogger,
  type DialectOptions,
  type Logger,
  type PlaneReport,
  type Registry,
  type RunMode,
} from '@atlasai/migrator-core';

/** Writes migration files into a new temporary folder and returns its path. */
export function migrationFolder(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'atlas-migrations-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

export interface MigrateOptions extends DialectOptions {
  /** The registry's plane name (default `demo`) and version range (default: the engine's, any positive version). */
  readonly plane?: string;
  readonly range?: { readonly min: number; readonly max: number };
  readonly mode?: RunMode;
  readonly to?: number;
  readonly lockTimeoutMs?: number;
  readonly batch?: boolean;
  /** Default `silentLogger`. */
  readonly logger?: Logger;
}

/**
 * The one "migrate these files" of the tests, in-process: `files` (written to a new folder) or a folder
 * already written, or a registry, run with `runMigrations` against `url` (a real database of either dialect).
 */
export async function migrateFiles(url: string, source: Record<string, string> | string | Registry, options: MigrateOptions = {}): Promise<PlaneReport> {
  const { plane = 'demo', range, mode = 'apply', to, lockTimeoutMs, batch, logger = silentLogger, ...dialectOptions } = options;
  const registry = isRegistry(source)
    ? source
    : await loadRegistryFromDir(typeof source === 'string' ? source : migrationFolder(source), { plane, ...(range === undefined ? {} : { range }) });
  const dialect = await createDialect(url, logger, dialectOptions);
  return runMigrations({
    registry,
    dialect,
    mode,
    logger,
    ...(to === undefined ? {} : { to }),
    ...(lockTimeoutMs === undefined ? {} : { lockTimeoutMs }),
    ...(batch === undefined ? {} : { batch }),
  });
}

function isRegistry(source: Record<string, string> | string | Registry): source is Registry {
  return typeof source === 'object' && Array.isArray((source as Registry).migrations);
}
