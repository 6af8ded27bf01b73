import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readMigrationFiles, type VersionRange } from '../registry.js';
import { migrationsFromFiles } from '../migration.js';
import { UsageError } from './io.js';

const NAME = /^[a-z][a-z0-9]*(_[a-z0-9]+)*$/;

const header = (version: number, name: string, dialect: string, advice: string) =>
  `-- ${version} ${name} (${dialect})\n-- What this migration adds, and why.\n${advice}\n`;

const POSTGRES_ADVICE =
  '-- Additive and idempotent: CREATE TABLE IF NOT EXISTS, ADD COLUMN IF NOT EXISTS, CREATE INDEX IF NOT EXISTS;\n-- no DROP, RENAME or ALTER COLUMN … TYPE (docs/migration-rules.md). No BEGIN/COMMIT: the engine runs it in a transaction.';
const SQLITE_ADVICE =
  '-- Additive and idempotent: CREATE TABLE IF NOT EXISTS, CREATE INDEX IF NOT EXISTS, one ALTER TABLE … ADD COLUMN\n-- per statement (SQLite has no ADD COLUMN IF NOT EXISTS; the engine skips exactly that one if it exists).';

/**
 * `new <name>`: the next free version of the range (after the highest in the folder), as a
 * `.postgres.sql` + `.sqlite.sql` pair with a header comment. Returns the files it created.
 */
export async function newMigration(dir: string, name: string, range: VersionRange): Promise<string[]> {
  if (!NAME.test(name)) throw new UsageError(`The name must be snake_case ([a-z][a-z0-9]* words joined by _), got "${name}"`);
  const existing = migrationsFromFiles(await readMigrationFiles(dir));
  const highest = Math.max(range.min - 1, ...existing.map((m) => m.version));
  const version = highest + 1;
  if (version > range.max) throw new UsageError(`The range ${range.min}-${range.max} is full (highest: ${highest}): no version is left for "${name}"`);
  const files = [
    [`${version}_${name}.postgres.sql`, header(version, name, 'PostgreSQL', POSTGRES_ADVICE)],
    [`${version}_${name}.sqlite.sql`, header(version, name, 'SQLite', SQLITE_ADVICE)],
  ] as const;
  // `wx`: never overwrite a file that appeared meanwhile.
  for (const [file, text] of files) await writeFile(join(dir, file), text, { flag: 'wx' });
  return files.map(([file]) => join(dir, file));
}
