import { readFileSync, truncateSync } from 'node:fs';
import Database from 'better-sqlite3';
import { sqliteFileError } from './sqlite-file.js';

/** Held for the life of a service process that serves a SQLite file. */
export interface InstanceLock {
  /** The companion file whose exclusive lock this is. */
  readonly path: string;
  /** Ends the lock (the file stays: see acquireInstanceLock). */
  release(): void;
}

/** Another service process (in this container or any other on the same kernel) already serves this SQLite file. */
export class InstanceLockedError extends Error {
  constructor(
    readonly databasePath: string,
    readonly lockPath: string,
  ) {
    super(
      `Another service process already serves the SQLite database ${databasePath} (it holds the lock on ${lockPath}). ` +
        'SQLite serves one instance only: multi-replica deployments need PostgreSQL.',
    );
    this.name = 'InstanceLockedError';
  }
}

const code = (error: unknown) => (error as { code?: string }).code ?? '';

/** The lock file of earlier releases held a pid as text; an empty file is a SQLite database with no pages. */
function isPidText(path: string): boolean {
  try {
    return /^\s*\d*\s*$/.test(readFileSync(path, 'latin1'));
  } catch {
    return false;
  }
}

/** Connections that hold a lock: kept reachable so that nothing but release() or the process's end closes them. */
const held = new Set<Database.Database>();

/**
 * Takes the exclusive SQLite lock on `<database>.service.lock` (opened as a SQLite database of its own, in
 * a transaction that never ends) for as long as this process lives. The kernel holds it on the file's
 * inode: it follows the file across symbolic links (`realDatabasePath` is the resolved path) and PID
 * namespaces, and ends when the process does, however it dies, so a stale lock cannot exist. The file is
 * never deleted: a new one would be a new inode, and a process waiting on the old one would then hold a
 * lock nobody else sees. The database itself is not locked: the operator commands keep working on it.
 * Throws InstanceLockedError while another process holds it, CONFIG_INVALID when the file cannot be used.
 */
export function acquireInstanceLock(realDatabasePath: string): InstanceLock {
  const path = `${realDatabasePath}.service.lock`;
  for (let attempt = 0; ; attempt++) {
    let database: Database.Database | undefined;
    try {
      database = new Database(path, { timeout: 0 });
      // Nothing is ever written: a journal on disk would only be a second file left behind by a SIGKILL.
      database.pragma('journal_mode = MEMORY');
      database.exec('BEGIN EXCLUSIVE');
    } catch (error) {
      database?.close();
      if (code(error) === 'SQLITE_BUSY' || code(error) === 'SQLITE_LOCKED') throw new InstanceLockedError(realDatabasePath, path);
      // An earlier release's pid file: no process can hold a kernel lock on it, so it is emptied and taken.
      if (code(error) === 'SQLITE_NOTADB' && attempt === 0 && isPidText(path)) {
        try {
          truncateSync(path, 0);
        } catch (cause) {
          throw sqliteFileError(realDatabasePath, path, 'empty the earlier lock file', cause);
        }
        continue;
      }
      throw sqliteFileError(realDatabasePath, path, 'lock', error);
    }
    held.add(database);
    const lock = database;
    return {
      path,
      release() {
        if (!held.delete(lock)) return;
        lock.close();
      },
    };
  }
}
