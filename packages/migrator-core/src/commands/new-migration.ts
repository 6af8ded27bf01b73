import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readMigrationFiles, type VersionRange } from '../registry.js';
import { migrationsFromFiles } from '../migration.js';
import { newMigrationText } from '../migration-template.js';
import { UsageError } from './io.js';

const NAME = /^[a-z][a-z0-9]*(_[a-z0-9]+)*$/;

/**
 * `new <name>`: the next free version of the range (after the highest in the folder), as a
 * `.postgres.sql` + `.sqlite.sql` pair with a header comment. Returns the files it created. A file left
 * exactly as written is a lint error (`untouched-template`): it would be applied, doing nothing, and frozen.
 */
export async function newMigration(dir: string, name: string, range: VersionRange): Promise<string[]> {
  if (!NAME.test(name)) throw new UsageError(`The name must be snake_case ([a-z][a-z0-9]* words joined by _), got "${name}"`);
  const existing = migrationsFromFiles(await readMigrationFiles(dir));
  const highest = Math.max(range.min - 1, ...existing.map((m) => m.version));
  const version = highest + 1;
  if (version > range.max) throw new UsageError(`The range ${range.min}-${range.max} is full (highest: ${highest}): no version is left for "${name}"`);
  const files = [
    [`${version}_${name}.postgres.sql`, newMigrationText(version, name, 'postgres')],
    [`${version}_${name}.sqlite.sql`, newMigrationText(version, name, 'sqlite')],
  ] as const;
  // `wx`: never overwrite a file that appeared meanwhile.
  for (const [file, text] of files) await writeFile(join(dir, file), text, { flag: 'wx' });
  return files.map(([file]) => join(dir, file));
}
