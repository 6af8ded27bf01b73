import type Database from 'better-sqlite3';
import { MigratorError } from '../../errors.js';

/**
 * SQLite's migration lock: the database file's write lock, taken with BEGIN IMMEDIATE and held for the
 * whole run (index.ts's `withLock` says what runs inside it). Another process migrating or writing the
 * file waits for it, up to the lock timeout.
 */

/** Takes the write lock, waiting at most `timeoutMs`; LOCK_TIMEOUT when another process keeps it. */
export function takeWriteLock(db: Database.Database, path: string, timeoutMs: number, onWait?: (holder: string) => void): void {
  try {
    beginImmediate(db, path, timeoutMs, onWait);
  } catch (error) {
    if ((error as { code?: string }).code?.startsWith('SQLITE_BUSY')) {
      throw new MigratorError(
        'LOCK_TIMEOUT',
        `Timed out after ${Math.round(timeoutMs / 1000)} s waiting for the write lock on ${path}, held by another process migrating or writing this file`,
        { cause: error },
      );
    }
    throw error;
  }
}

/** One try without waiting, so a wait can be announced before the busy timeout blocks the process. */
function beginImmediate(db: Database.Database, path: string, timeoutMs: number, onWait: ((holder: string) => void) | undefined): void {
  const busyTimeout = db.pragma('busy_timeout', { simple: true }) as number;
  db.pragma('busy_timeout = 0');
  try {
    db.exec('BEGIN IMMEDIATE');
    return;
  } catch (error) {
    if (!(error as { code?: string }).code?.startsWith('SQLITE_BUSY')) throw error;
    onWait?.(`another process writing ${path}`);
  } finally {
    db.pragma(`busy_timeout = ${busyTimeout}`);
  }
  db.pragma(`busy_timeout = ${Math.max(0, Math.floor(timeoutMs))}`);
  try {
    db.exec('BEGIN IMMEDIATE');
  } finally {
    db.pragma(`busy_timeout = ${busyTimeout}`);
  }
}
