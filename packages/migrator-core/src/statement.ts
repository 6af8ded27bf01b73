/** Statements as the engine locates, runs and reports them, whichever dialect split them. */

/** One statement of a migration script, located in its file. */
export interface Statement {
  /** 1-based position of the statement in the file. */
  readonly index: number;
  readonly text: string;
  /** 1-based line and column of the statement's first character in the file. */
  readonly line: number;
  readonly column: number;
  /**
   * Set when the statement begins, ends or marks a transaction. `begin` and `commit` are the plain forms
   * (`BEGIN`, `START TRANSACTION`, `COMMIT`, `END`) a whole-file wrapper uses; `other` is everything else
   * (`ROLLBACK`, `SAVEPOINT`, `RELEASE`, `COMMIT AND CHAIN`, a `BEGIN` with options, …).
   */
  readonly transactionControl?: 'begin' | 'commit' | 'other';
  /** A statement that only sets a session setting (PostgreSQL `SET`/`RESET`, SQLite `PRAGMA`). */
  readonly sessionSetting?: boolean;
  /**
   * What the dialect sends, when that is not `text`: the statement exactly as the file has it, through
   * its `;` (SQLite keeps the text of a `CREATE INDEX` up to that `;` in `sqlite_master`, spaces and
   * comments included). `text` is the statement trimmed, for reports.
   */
  readonly sql?: string;
}

/**
 * What executing one statement came to. `alreadyExisted` is true only for a statement that creates
 * exactly one object and found that object present (the one failure a dialect may swallow, and only
 * after the catalog confirmed it); `present` is what the database said was already there, also for a
 * statement that ran and merely skipped part of its work (an `IF NOT EXISTS` action among several).
 */
export interface StatementOutcome {
  readonly alreadyExisted: boolean;
  readonly present: readonly string[];
}

export const RAN: StatementOutcome = Object.freeze({ alreadyExisted: false, present: Object.freeze([]) });

/** A statement the database refused (or the parser could not read), with what it said. */
export class StatementError extends Error {
  /** 1-based index of the statement; `null` when the script could not be split at all. */
  readonly statementIndex: number | null;
  readonly line: number;
  readonly column: number;
  readonly sqlstate: string | undefined;
  readonly dbCode: string | undefined;
  readonly detail: string | undefined;
  readonly hint: string | undefined;

  constructor(
    message: string,
    fields: { statementIndex: number | null; line: number; column: number; sqlstate?: string; dbCode?: string; detail?: string; hint?: string; cause: unknown },
  ) {
    super(message, { cause: fields.cause });
    this.name = 'StatementError';
    this.statementIndex = fields.statementIndex;
    this.line = fields.line;
    this.column = fields.column;
    this.sqlstate = fields.sqlstate;
    this.dbCode = fields.dbCode;
    this.detail = fields.detail;
    this.hint = fields.hint;
  }
}

/** A COMMIT that failed in a way that leaves its outcome unknown (the connection was lost during it). */
export class CommitUnknownError extends Error {
  constructor(cause: unknown) {
    super(`the connection was lost during COMMIT: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'CommitUnknownError';
  }
}

/** Line and column in the file of a 0-based character offset inside a statement's text. */
export function locateInStatement(statement: Statement, offset: number): { line: number; column: number } {
  const before = statement.text.slice(0, Math.max(0, offset));
  const newlines = before.split('\n').length - 1;
  if (newlines === 0) return { line: statement.line, column: statement.column + before.length };
  return { line: statement.line + newlines, column: before.length - before.lastIndexOf('\n') };
}

/** Line and column (1-based) of a 0-based character offset in a text. */
export function locateInText(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return { line, column: before.length - before.lastIndexOf('\n') };
}

/** Offset of the first character that is neither white space nor inside a leading SQL comment. */
export function skipLeadingComments(text: string): number {
  let i = 0;
  for (;;) {
    while (i < text.length && /\s/.test(text[i]!)) i++;
    if (text.startsWith('--', i)) {
      const end = text.indexOf('\n', i);
      i = end === -1 ? text.length : end + 1;
    } else if (text.startsWith('/*', i)) {
      const end = text.indexOf('*/', i + 2);
      i = end === -1 ? text.length : end + 2;
    } else {
      return i;
    }
  }
}

/**
 * Line and column of ascending offsets in a text, counting lines once, front to back: locating every
 * statement of a file is linear in its size (an offset before the last one starts the count over).
 */
export function lineCursor(text: string): (offset: number) => { line: number; column: number } {
  let position = 0;
  let line = 1;
  let lineStart = 0;
  return (offset) => {
    if (offset < position) {
      position = 0;
      line = 1;
      lineStart = 0;
    }
    for (; position < offset; position++) {
      if (text.charCodeAt(position) === 10) {
        line++;
        lineStart = position + 1;
      }
    }
    return { line, column: offset - lineStart + 1 };
  };
}

/**
 * Builds located statements from (text, offset in file) chunks, dropping chunks that hold only comments.
 * A chunk's `end` (exclusive, past its `;`) keeps the statement as written in `sql`.
 */
export function locateStatements(fileText: string, chunks: readonly { text: string; offset: number; end?: number }[]): Statement[] {
  const statements: Statement[] = [];
  const locate = lineCursor(fileText);
  for (const chunk of chunks) {
    const skip = skipLeadingComments(chunk.text);
    const text = chunk.text.slice(skip).trimEnd();
    if (text === '' || text === ';') continue;
    const { line, column } = locate(chunk.offset + skip);
    const sql = chunk.end === undefined ? undefined : fileText.slice(chunk.offset + skip, chunk.end);
    // `text` is a prefix of `sql`: only a statement with more than its `;` after it keeps a second copy.
    const same = sql === undefined || sql.length === text.length || (sql.length === text.length + 1 && sql.endsWith(';'));
    statements.push({ index: statements.length + 1, text, line, column, ...(same ? {} : { sql }) });
  }
  return statements;
}
