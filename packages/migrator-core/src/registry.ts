import { readdirSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { MigratorError, messageOf } from './errors.js';
import { SQL_VARIANTS, decodeMigrationFile, migrationsFromFiles, type Migration, type MigrationFile, type SqlVariant } from './migration.js';
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
}

export interface RegistryDefinition {
  readonly plane: string;
  readonly range: VersionRange;
  readonly migrations: readonly Migration[];
  /** Snapshot texts by dialect, as committed (null or absent: none); parsed and checked here. */
  readonly snapshots?: Readonly<Partial<Record<SqlVariant, string | null>>>;
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
  });
}

/** A registry from the files of a migration folder (read from disk or embedded at build time). */
export function defineRegistryFromFiles(options: { plane: string; range: VersionRange; files: readonly MigrationFile[]; snapshots?: RegistryDefinition['snapshots'] }): Registry {
  return defineRegistry({ plane: options.plane, range: options.range, migrations: migrationsFromFiles(options.files), ...(options.snapshots ? { snapshots: options.snapshots } : {}) });
}

/**
 * Reads every `.sql` file of a folder; a file that is not valid UTF-8 is REGISTRY_INVALID. Synchronous on
 * purpose: thousands of small files read one after another cost a tenth of as many concurrent promises.
 * With `sqlVariant`, the other dialect's own files (`.postgres.sql` or `.sqlite.sql`) are read only if
 * something asks for their text: a run holds one copy of each script, not two.
 */
export async function readMigrationFiles(dir: string, sqlVariant?: SqlVariant): Promise<MigrationFile[]> {
  return readMigrationFilesSync(dir, sqlVariant);
}

/**
 * A file's text, decoded as it is read: no buffer of its bytes is left for the garbage collector (a 50 MB
 * file would otherwise be held twice). A U+FFFD in the text is either in the file or stands for bytes that
 * are not UTF-8: only then are the bytes read again, to refuse the file with the offset or accept it.
 */
function readMigrationFile(dir: string, fileName: string): MigrationFile {
  const path = `${dir}/${fileName}`;
  let text: string;
  let bytes: Buffer | undefined;
  try {
    text = readFileSync(path, 'utf8');
    if (text.includes('\uFFFD')) bytes = readFileSync(path);
  } catch (cause) {
    throw new MigratorError('CONFIG_INVALID', `Cannot read migration file ${fileName} in ${dir}: ${messageOf(cause)}`, { file: fileName, cause });
  }
  if (bytes) return decodeMigrationFile(fileName, bytes);
  // As TextDecoder (decodeMigrationFile) does: a byte order mark is not part of the text.
  return { fileName, text: text.charCodeAt(0) === 0xfeff ? text.slice(1) : text };
}

function deferredMigrationFile(dir: string, fileName: string): MigrationFile {
  let text: string | undefined;
  return Object.freeze({
    fileName,
    deferred: true,
    get text() {
      return (text ??= readMigrationFile(dir, fileName).text);
    },
  });
}

function readMigrationFilesSync(dir: string, sqlVariant?: SqlVariant): MigrationFile[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (cause) {
    throw new MigratorError('CONFIG_INVALID', `Cannot read migration folder ${dir}: ${messageOf(cause)}`, { cause });
  }
  const unused = SQL_VARIANTS.filter((variant) => sqlVariant !== undefined && variant !== sqlVariant).map((variant) => `.${variant}.sql`);
  const sqlNames = names.filter((name) => name.endsWith('.sql')).sort();
  return sqlNames.map((fileName) => (unused.some((suffix) => fileName.endsWith(suffix)) ? deferredMigrationFile(dir, fileName) : readMigrationFile(dir, fileName)));
}

/**
 * Loads a registry from a folder in the `<version>_<name>[.postgres|.sqlite].sql` format. `sqlVariant`:
 * the dialect it is loaded for; the other dialect's own files are then read only if used (a run never
 * does), so a large migration is held once.
 */
export async function loadRegistryFromDir(dir: string, options: { plane: string; range?: VersionRange; sqlVariant?: SqlVariant }): Promise<Registry> {
  const files = await readMigrationFiles(dir, options.sqlVariant);
  return defineRegistryFromFiles({ plane: options.plane, range: options.range ?? { min: 1, max: Number.MAX_SAFE_INTEGER }, files });
}

/** What a registry package declares about its `sql/` folder in its package.json (`atlasMigrations`). */
export interface RegistryManifest {
  readonly plane: string;
  readonly range: VersionRange;
}

/**
 * The manifest of the registry package whose `sql/` folder `dir` is, or null for any other folder: so
 * that `atlas-migrate --dir packages/control-migrations/sql` is the control plane, with its range.
 */
export async function readRegistryManifest(dir: string): Promise<RegistryManifest | null> {
  const folder = resolve(dir);
  if (basename(folder) !== 'sql') return null;
  let text: string;
  try {
    text = await readFile(join(dirname(folder), 'package.json'), 'utf8');
  } catch {
    return null;
  }
  const manifest = (JSON.parse(text) as { atlasMigrations?: { plane?: unknown; range?: { min?: unknown; max?: unknown } } }).atlasMigrations;
  const { plane, range } = manifest ?? {};
  if (typeof plane !== 'string' || typeof range?.min !== 'number' || typeof range.max !== 'number') return null;
  return { plane, range: { min: range.min, max: range.max } };
}
