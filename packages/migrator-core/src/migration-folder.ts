import { readdirSync, type Dirent } from 'node:fs';
import { MigratorError, messageOf } from './errors.js';
import type { Logger } from './logger.js';

/** A name in a migration folder that the engine will not read although it looks like a migration. */
export interface IgnoredFile {
  readonly fileName: string;
  /** Why it is not read, for the warning. */
  readonly reason: string;
}

/** What a migration folder holds: the `.sql` files the engine reads (sorted), and the look-alikes it does not. */
export interface MigrationFolder {
  readonly sqlNames: readonly string[];
  readonly ignored: readonly IgnoredFile[];
}

/**
 * Which names are passed over without a word: dotfiles (`.gitkeep`, `.DS_Store`, an editor's swap file)
 * and anything that neither starts with digits and `_` nor mentions `.sql` in any case (README.md,
 * package.json, notes.txt). Every other name that is not read is warned about: `0002_x.SQL` (made on a
 * case-insensitive filesystem), `0002_x.sql.bak`, `0002_x.sql~`, `0002_x.txt`, a `0002_x/` subfolder.
 * A `.sql` file with a malformed name is not ignored at all: the registry refuses it.
 */
function whyIgnored(entry: Dirent): string | null {
  const name = entry.name;
  if (name.startsWith('.')) return null;
  const looksLikeMigration = /^\d+_/.test(name) || /\.sql/i.test(name);
  if (!looksLikeMigration) return null;
  if (entry.isDirectory()) return 'it is a folder; only the files directly inside the migration folder are read';
  if (/\.sql$/i.test(name)) return 'the extension must be lower-case .sql';
  return 'the name does not end in .sql';
}

/** Lists a migration folder; a folder that cannot be read is CONFIG_INVALID. */
export function listMigrationFolder(dir: string): MigrationFolder {
  let entries: Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch (cause) {
    throw new MigratorError('CONFIG_INVALID', `Cannot read migration folder ${dir}: ${messageOf(cause)}`, { cause });
  }
  const sqlNames: string[] = [];
  const ignored: IgnoredFile[] = [];
  for (const entry of entries) {
    if (entry.name.endsWith('.sql')) {
      sqlNames.push(entry.name);
      continue;
    }
    const reason = whyIgnored(entry);
    if (reason !== null) ignored.push({ fileName: entry.name, reason });
  }
  ignored.sort((a, b) => (a.fileName < b.fileName ? -1 : 1));
  return { sqlNames: sqlNames.sort(), ignored };
}

/** The warning printed for a file the engine will not read. */
export function ignoredFileWarning(dir: string, file: IgnoredFile): string {
  return `Not a migration, not run: ${file.fileName} in ${dir} (${file.reason}; migrations are named <version>_<name>.sql, .postgres.sql or .sqlite.sql)`;
}

/** Warns about each ignored file through `logger`, one line per file. */
export function warnIgnoredFiles(dir: string, ignored: readonly IgnoredFile[], logger: Logger | undefined): void {
  if (!logger) return;
  for (const file of ignored) logger.warn(ignoredFileWarning(dir, file), { file: file.fileName, dir, reason: file.reason });
}
