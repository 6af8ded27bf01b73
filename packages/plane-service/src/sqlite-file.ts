import { accessSync, closeSync, constants, existsSync, mkdirSync, openSync, realpathSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { MigratorError } from '@atlasai/migrator-core';

/** Why the file system refused, in the operator's words. */
function reason(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  switch (code) {
    case 'EROFS':
      return 'read-only file system';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'ENOTDIR':
    case 'EEXIST':
      return 'a file stands where a folder is expected';
    case 'EISDIR':
      return 'it is a folder, not a file';
    case 'ENOSPC':
      return 'no space left on the device';
    default:
      return error instanceof Error ? error.message : String(error);
  }
}

/**
 * A SQLite file the service cannot create, open for writing or keep its companions next to (the
 * write-ahead log, the instance lock): a configuration problem, not an unreachable database.
 */
export function sqliteFileError(databasePath: string, file: string, what: string, cause: unknown): MigratorError {
  return new MigratorError('CONFIG_INVALID', `Cannot use the SQLite database ${databasePath}: cannot ${what} ${file} (${reason(cause)})`, { file, cause });
}

const attempt = <T>(databasePath: string, file: string, what: string, step: () => T): T => {
  try {
    return step();
  } catch (error) {
    throw sqliteFileError(databasePath, file, what, error);
  }
};

/**
 * Makes `folder` and its missing parents one level at a time: a recursive mkdir reports a read-only
 * file system as ENOENT, where this reports what refused, at the level that refused.
 */
function makeFolder(folder: string): void {
  const missing: string[] = [];
  for (let at = folder; !existsSync(at) && dirname(at) !== at; at = dirname(at)) missing.unshift(at);
  if (missing.length === 0 && !statSync(folder).isDirectory()) throw Object.assign(new Error(`${folder} is not a folder`), { code: 'ENOTDIR' });
  for (const level of missing) {
    try {
      mkdirSync(level);
    } catch (error) {
      // Made meanwhile by another process: that is all this wanted.
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || !existsSync(level)) throw error;
    }
  }
}

/**
 * Makes the database's folder and file (as SQLite would on first open) and checks that the folder takes
 * new files, which WAL mode needs for `-wal` and `-shm`. Returns the file's real path, symbolic links
 * resolved, so that every name of one file leads to the same instance lock. Throws CONFIG_INVALID naming
 * the folder or file that refused.
 */
export function prepareSqliteFile(databasePath: string): string {
  const folder = dirname(databasePath);
  attempt(databasePath, folder, 'create the folder', () => makeFolder(folder));
  attempt(databasePath, databasePath, 'create or open for writing', () => closeSync(openSync(databasePath, 'a', 0o644)));
  const real = attempt(databasePath, databasePath, 'resolve', () => realpathSync(databasePath));
  attempt(databasePath, dirname(real), 'write in the folder', () => accessSync(dirname(real), constants.W_OK));
  return real;
}
