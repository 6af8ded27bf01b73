import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';

/** Held for the life of a service process that serves a SQLite file. */
export interface InstanceLock {
  readonly path: string;
  release(): void;
}

/** Another live service process already serves this SQLite file. */
export class InstanceLockedError extends Error {
  constructor(
    readonly databasePath: string,
    readonly holderPid: number,
  ) {
    super(
      `Another service process (pid ${holderPid}) already serves the SQLite database ${databasePath}. ` +
        'SQLite serves one instance only: multi-replica deployments need PostgreSQL.',
    );
    this.name = 'InstanceLockedError';
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function holderOf(path: string): number | null {
  try {
    const pid = Number.parseInt(readFileSync(path, 'utf8').trim(), 10);
    return Number.isSafeInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

/**
 * Takes `<database>.service.lock`, created with O_EXCL and holding this process's pid. A lock file whose
 * pid is gone (a crash, a SIGKILL) or is our own pid (a container restarted as pid 1) is stale and taken
 * over. It guards service processes only: the engine's CLI never looks at it and keeps working against
 * the same file, waiting for SQLite's own write lock.
 */
export function acquireInstanceLock(databasePath: string): InstanceLock {
  const path = `${databasePath}.service.lock`;
  for (let attempt = 0; attempt < 2; attempt++) {
    let fd: number;
    try {
      fd = openSync(path, 'wx', 0o644);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = holderOf(path);
      if (holder !== null && holder !== process.pid && alive(holder)) throw new InstanceLockedError(databasePath, holder);
      // Stale (or half-written by a process that died at once): remove it and try once more.
      try {
        unlinkSync(path);
      } catch {
        // Another process removed it first; the retry settles who gets it.
      }
      continue;
    }
    writeSync(fd, `${process.pid}\n`);
    closeSync(fd);
    let released = false;
    return {
      path,
      release() {
        if (released) return;
        released = true;
        // Remove it only while it is still ours.
        if (holderOf(path) === process.pid) unlinkSync(path);
      },
    };
  }
  const holder = holderOf(path);
  throw new InstanceLockedError(databasePath, holder ?? 0);
}
