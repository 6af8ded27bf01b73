import { readFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { MigratorError, messageOf } from './errors.js';
import type { Logger } from './logger.js';
import { SQL_VARIANTS, migrationsFromFiles, type Migration, type MigrationFile, type SqlVariant } from './migration.js';
import { listMigrationFolder, warnIgnoredFiles } from './migration-folder.js';
import { readMigrationFileSync } from './read-migration-file.js';
import { parseRegistrySnapshots, type SchemaSnapshot } from './schema/snapshot-format.js';

/** Inclusive bounds of the versions a plane owns. */
export interface VersionRange {
  readonly min: number;
  readonly max: number;
}

/** The migrations of one plane; frozen and validated by `defineRegistry`. */
export interface Registry {
  readonly plane: string;
  readonly range: VersionRange;
  readonly migrations: readonly Migration[];
  /** The committed schema snapshots (`schema/<dialect>.snapshot`), when the registry has them: drift checks compare with these. */
  readonly snapshots?: Readonly<Partial<Record<SqlVariant, SchemaSnapshot>>>;
  /**
   * The registry declares every migration idempotent (each skips what already exists): it may run over a
   * schema that has objects but no history, which the engine otherwise refuses (`baseline` first).
   */
  readonly idempotent?: boolean;
  /** The folder its migrations are read from (a built registry: its package's `sql/`), for the commands a message names. */
  readonly sqlDir?: string;
}

export interface RegistryDefinition {
  readonly plane: string;
  readonly range: VersionRange;
  readonly migrations: readonly Migration[];
  /** Snapshot texts by dialect, as committed (null or absent: none); parsed and checked here. */
  readonly snapshots?: Readonly<Partial<Record<SqlVariant, string | null>>>;
  /** See `Registry.idempotent`. */
  readonly idempotent?: boolean;
  /** See `Registry.sqlDir`. */
  readonly sqlDir?: string;
}

const PLANE_PATTERN = /^[a-z][a-z0-9_-]*$/;

function invalid(message: string, file?: string): MigratorError {
  return new MigratorError('REGISTRY_INVALID', message, file === undefined ? {} : { file });
}

/** Validates a registry (plane name, range, unique ascending versions inside the range) and freezes it. */
export function defineRegistry(definition: RegistryDefinition): Registry {
  const { plane, range } = definition;
  if (!PLANE_PATTERN.test(plane)) throw invalid(`Invalid plane name "${plane}": expected [a-z][a-z0-9_-]*`);
  if (!Number.isSafeInteger(range.min) || !Number.isSafeInteger(range.max) || range.min <= 0 || range.min > range.max) {
    throw invalid(`Invalid version range ${range.min}-${range.max} for plane ${plane}`);
  }
  let previous: Migration | undefined;
  for (const migration of definition.migrations) {
    const file = migration.scripts.postgres.file;
    if (migration.version < range.min || migration.version > range.max) {
      throw invalid(`Invalid migration file ${file}: version ${migration.version} is outside the ${plane} range ${range.min}-${range.max}`, file);
    }
    if (previous && migration.version === previous.version) {
      throw invalid(`Invalid migration file ${file}: duplicate version ${migration.version} (also ${previous.scripts.postgres.file})`, file);
    }
    if (previous && migration.version < previous.version) {
      throw invalid(`Invalid migration file ${file}: version ${migration.version} comes after ${previous.version}; versions must ascend`, file);
    }
    previous = migration;
  }
  return Object.freeze({
    plane,
    range: Object.freeze({ min: range.min, max: range.max }),
    migrations: Object.freeze([...definition.migrations]),
    ...(definition.snapshots ? { snapshots: parseRegistrySnapshots(plane, definition.snapshots) } : {}),
    ...(definition.idempotent ? { idempotent: true } : {}),
    ...(definition.sqlDir === undefined ? {} : { sqlDir: definition.sqlDir }),
  });
}

/** A registry from the files of a migration folder (read from disk or embedded at build time). */
export function defineRegistryFromFiles(options: {
  plane: string;
  range: VersionRange;
  files: readonly MigrationFile[];
  snapshots?: RegistryDefinition['snapshots'];
  idempotent?: boolean;
  sqlDir?: string;
}): Registry {
  return defineRegistry({
    plane: options.plane,
    range: options.range,
    migrations: migrationsFromFiles(options.files),
    ...(options.snapshots ? { snapshots: options.snapshots } : {}),
    ...(options.idempotent ? { idempotent: true } : {}),
    ...(options.sqlDir === undefined ? {} : { sqlDir: options.sqlDir }),
  });
}

/**
 * Reads every `.sql` file of a folder through the one gate (`read-migration-file.ts`): a file that is not
 * valid UTF-8, or holds a NUL byte, is REGISTRY_INVALID with its byte offset. Files it will not read that
 * look like migrations (`0002_x.SQL`, `0002_x.sql.bak`) are warned about through `logger`, one line each.
 * Synchronous on purpose: thousands of small files read one after another cost a tenth of as many
 * concurrent promises. With `sqlVariant`, the other dialect's own files (`.postgres.sql` or
 * `.sqlite.sql`) are read only if something asks for their text: a run holds one copy of each script, not two.
 */
export async function readMigrationFiles(dir: string, sqlVariant?: SqlVariant, options: { logger?: Logger } = {}): Promise<MigrationFile[]> {
  return readMigrationFilesSync(dir, sqlVariant, options.logger);
}

function deferredMigrationFile(dir: string, fileName: string): MigrationFile {
  let text: string | undefined;
  return Object.freeze({
    fileName,
    deferred: true,
    get text() {
      return (text ??= readMigrationFileSync(join(dir, fileName), fileName).text);
    },
  });
}

function readMigrationFilesSync(dir: string, sqlVariant: SqlVariant | undefined, logger: Logger | undefined): MigrationFile[] {
  const folder = listMigrationFolder(dir);
  warnIgnoredFiles(dir, folder.ignored, logger);
  const unused = SQL_VARIANTS.filter((variant) => sqlVariant !== undefined && variant !== sqlVariant).map((variant) => `.${variant}.sql`);
  return folder.sqlNames.map((fileName) =>
    unused.some((suffix) => fileName.endsWith(suffix)) ? deferredMigrationFile(dir, fileName) : readMigrationFileSync(join(dir, fileName), fileName),
  );
}

/**
 * Loads a registry from a folder in the `<version>_<name>[.postgres|.sqlite].sql` format. `sqlVariant`:
 * the dialect it is loaded for; the other dialect's own files are then read only if used (a run never
 * does), so a large migration is held once. `logger` hears of the files it will not read. `idempotent`
 * defaults to what the registry package's manifest declares, when `dir` is its `sql/` folder.
 */
export async function loadRegistryFromDir(
  dir: string,
  options: { plane: string; range?: VersionRange; sqlVariant?: SqlVariant; logger?: Logger; idempotent?: boolean },
): Promise<Registry> {
  const files = await readMigrationFiles(dir, options.sqlVariant, options.logger ? { logger: options.logger } : {});
  const idempotent = options.idempotent ?? (await readRegistryManifest(dir))?.idempotent ?? false;
  return defineRegistryFromFiles({ plane: options.plane, range: options.range ?? { min: 1, max: Number.MAX_SAFE_INTEGER }, files, idempotent, sqlDir: dir });
}

/** What a registry package declares about its `sql/` folder in its package.json (`atlasMigrations`). */
export interface RegistryManifest {
  readonly plane: string;
  readonly range: VersionRange;
  /** `"idempotent": true`: every migration skips what already exists (see `Registry.idempotent`). */
  readonly idempotent: boolean;
}

/**
 * The manifest of the registry package whose `sql/` folder `dir` is, or null for any other folder: so
 * that `atlas-migrate --dir packages/control-migrations/sql` is the control plane, with its range. No
 * package.json, or one without `atlasMigrations`, is null; a package.json that cannot be read or parsed,
 * or an `atlasMigrations` that is malformed, is CONFIG_INVALID naming the file: guessing the plane from
 * the folder's name instead would run under the wrong lock and range.
 */
export async function readRegistryManifest(dir: string): Promise<RegistryManifest | null> {
  const folder = resolve(dir);
  if (basename(folder) !== 'sql') return null;
  const file = join(dirname(folder), 'package.json');
  const invalidManifest = (why: string, cause?: unknown) =>
    new MigratorError('CONFIG_INVALID', `Invalid registry manifest ${file}: ${why}`, cause === undefined ? { file } : { file, cause });
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return null;
    throw invalidManifest(`cannot read it (${messageOf(cause)})`, cause);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw invalidManifest(`not valid JSON (${messageOf(cause)})`, cause);
  }
  const manifest = (json !== null && typeof json === 'object' ? (json as { atlasMigrations?: unknown }).atlasMigrations : undefined) as
    | { plane?: unknown; range?: { min?: unknown; max?: unknown }; idempotent?: unknown }
    | undefined;
  if (manifest === undefined) return null;
  const { plane, range } = manifest ?? {};
  if (typeof plane !== 'string' || typeof range?.min !== 'number' || typeof range.max !== 'number') {
    throw invalidManifest('"atlasMigrations" must be { "plane": "<name>", "range": { "min": <version>, "max": <version> } }');
  }
  if (manifest.idempotent !== undefined && typeof manifest.idempotent !== 'boolean')
    throw invalidManifest('"atlasMigrations.idempotent" must be true or false');
  return { plane, range: { min: range.min, max: range.max }, idempotent: manifest.idempotent === true };
}
