/**
 * Messages per migration, read from the PostgreSQL server log. A figure the log cannot give is
 * `'unmeasured'`, never 0: every tool sends at least one message to the database it migrates, so no
 * attributed line means the log could not be read or does not name the database (a `log_line_prefix`
 * without `%u@%d`), not that the tool sent nothing.
 */
import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';

/** Where the log ends now (its size), or null when there is no log to read. */
export function logOffset(logFile) {
  return logFile && existsSync(logFile) ? statSync(logFile).size : null;
}

/** The log's text written since `from`, or null when there is no log (or no starting point). */
export function logSince(logFile, from) {
  if (from === null || !logFile || !existsSync(logFile)) return null;
  const length = Math.max(0, statSync(logFile).size - from);
  const buffer = Buffer.alloc(length);
  const fd = openSync(logFile, 'r');
  try {
    readSync(fd, buffer, 0, length, from);
  } finally {
    closeSync(fd);
  }
  return buffer.toString('utf8');
}

/** Lines of `logText` that are messages sent to `db` (simple queries and executes of the extended protocol). */
export function countLoggedMessages(logText, db) {
  const pattern = new RegExp(`@${db} LOG:  (statement|execute [^:]*):`, 'g');
  return (logText.match(pattern) ?? []).length;
}

/** Messages per migration for a run of `migrations` migrations against `db`, or 'unmeasured'. */
export function messagesPerMigration(logText, db, migrations) {
  if (logText === null || logText === undefined || !(migrations > 0)) return 'unmeasured';
  const messages = countLoggedMessages(logText, db);
  return messages === 0 ? 'unmeasured' : messages / migrations;
}
