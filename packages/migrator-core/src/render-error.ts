import type { FailedMigration, PlaneError, PlaneReport } from './report.js';

/** A plane's failure as the operator guide prints it: what failed, where, and what it left behind. Pure. */

const list = (versions: readonly number[]) => versions.join(', ');

/** What a failed migration left behind, in the words of the database's own transaction state. */
function renderAftermath(tag: string, version: number, failed: FailedMigration): string {
  const committed = list(failed.committedStatements);
  switch (failed.outcome) {
    case 'not-run':
      return `${tag} Migration ${version} was not run: nothing of it is recorded as applied.`;
    case 'unknown':
      return (
        `${tag} The connection was lost while migration ${version} was committing: whether it committed is unknown; schema_migrations, which ` +
        `commits with it, tells (atlas-migrate status --dir … --url …).`
      );
    case 'partly-committed':
      return failed.transactional
        ? `${tag} Migration ${version}'s transaction was ended by one of its statements: statement(s) ${committed} committed and stay; it is not ` +
            `recorded as applied.`
        : `${tag} Migration ${version} ran without a transaction: statement(s) ${committed} committed and stay; it is not recorded as applied, and ` +
            `the next run starts it again from its first statement.`;
    case 'rolled-back':
      return failed.transactional
        ? `${tag} Migration ${version} was rolled back: nothing of it is recorded as applied.`
        : `${tag} Migration ${version} ran without a transaction and none of its statements had committed: nothing of it stays or is recorded as applied.`;
  }
}

/** Widest part of a long line shown around the caret. */
const WINDOW = 100;

/**
 * The failing line of the file with a caret under the column, as graphile-migrate shows it:
 *   at 0003_x.sql:5:8
 *     5 | SELECT no_such_column
 *       |        ^
 * Tabs before the column stay tabs under it, so the caret lines up however the terminal renders them.
 */
export function renderSourceExcerpt(prefix: string, file: string, line: number, column: number | null, source: string): string[] {
  let text = source;
  let at = column === null ? null : Math.max(0, Math.min(column - 1, text.length));
  if (text.length > WINDOW + 20) {
    const start = Math.max(0, Math.min((at ?? 0) - WINDOW / 2, text.length - WINDOW));
    const end = Math.min(text.length, start + WINDOW);
    text = `${start > 0 ? '…' : ''}${text.slice(start, end)}${end < text.length ? '…' : ''}`;
    if (at !== null) at = at - start + (start > 0 ? 1 : 0);
  }
  const gutter = String(line);
  const lines = [`${prefix}at ${file}:${line}${column === null ? '' : `:${column}`}`, `${prefix}  ${gutter} | ${text}`];
  if (at !== null) lines.push(`${prefix}  ${' '.repeat(gutter.length)} | ${text.slice(0, at).replace(/[^\t]/g, ' ')}^`);
  return lines;
}

/** Where the error points in its file, when it does: the line's text (set by the runner), with a caret. */
function renderLocation(tag: string, error: PlaneError): string[] {
  if (error.file === null || error.line === null || error.sourceLine === undefined) return [];
  return renderSourceExcerpt(`${tag}   `, error.file, error.line, error.column, error.sourceLine);
}

/** After a failure: whether the run changed anything, and for a lost lock, what did commit. */
function renderWhatStays(tag: string, plane: PlaneReport): string[] {
  const error = plane.error!;
  const lines: string[] = [];
  if (error.code === 'LOCK_LOST') {
    const committed = plane.applied.map((m) => m.version);
    lines.push(
      committed.length > 0
        ? `${tag} Committed in this run, each with its schema_migrations row, before the lock was found lost: ${list(committed)}.`
        : `${tag} No migration of this run had committed when the lock was found lost.`,
    );
  }
  const migrationStays = error.migration !== null && (error.migration.outcome === 'partly-committed' || error.migration.outcome === 'unknown');
  if (plane.mode === 'apply' && plane.changed !== true && !migrationStays) lines.push(`${tag} Nothing was changed.`);
  return lines;
}

export function renderError(tag: string, plane: PlaneReport): string[] {
  const error = plane.error!;
  if (error.migration === null || error.version === null) {
    return [
      `${tag} Error: ${error.code}: ${error.message}`,
      ...renderLocation(tag, error),
      ...(error.hint ? [`${tag}   Hint: ${error.hint}`] : []),
      ...renderWhatStays(tag, plane),
    ];
  }
  const at = [
    error.statement === null ? (error.line === null ? null : 'parsing') : `statement ${error.statement}`,
    error.line === null ? null : `line ${error.line}`,
    error.column === null ? null : `column ${error.column}`,
  ].filter(Boolean);
  const code = error.sqlstate ? `SQLSTATE ${error.sqlstate}` : (error.dbCode ?? error.code);
  const lines = [
    `${tag} Errors: 1 migration(s) failed: ${error.version}`,
    `${tag} Error in migration ${error.version} (${error.name})${at.length > 0 ? ` at ${at.join(', ')}` : ''}: ${code}: ${error.message}`,
    ...renderLocation(tag, error),
  ];
  if (error.detail) lines.push(`${tag}   Detail: ${error.detail}`);
  if (error.hint) lines.push(`${tag}   Hint: ${error.hint}`);
  lines.push(renderAftermath(tag, error.version, error.migration));
  lines.push(...renderWhatStays(tag, plane));
  return lines;
}
