import { createRequire } from 'node:module';
import type Database from 'better-sqlite3';
import { messageOf } from '../../errors.js';
import { tokenizeSqlite } from './lexer.js';

/** What SQLite says when it cannot parse a statement (as opposed to a name it does not know). */
export const SQLITE_SYNTAX_ERROR = /syntax error|incomplete input|unrecognized token/;

/** Past this many tokens the error is located at the statement's start: each step prepares a prefix. */
const MAX_TOKENS = 2_000;

/**
 * SQLite's own parser on one statement, without running it: its syntax error and the offset in `text`
 * of the token it stopped at, or null when it parses. SQLite names the token (`near ","`) but not where
 * it is, and better-sqlite3 does not expose sqlite3_error_offset: the token is the last one of the
 * shortest prefix that SQLite rejects as a syntax error rather than as incomplete input. `plan`, `up` and
 * `lint` all locate it so, and agree.
 */
export function sqliteSyntaxError(scratch: Database.Database, text: string): { message: string; code: string; offset: number } | null {
  const refused = (sql: string): { message: string; code: string } | null => {
    try {
      scratch.prepare(sql);
      return null;
    } catch (error) {
      const message = messageOf(error);
      return SQLITE_SYNTAX_ERROR.test(message) ? { message, code: (error as { code?: string }).code ?? 'SQLITE_ERROR' } : null;
    }
  };
  const whole = refused(text);
  if (whole === null) return null;
  const tokens = tokenizeSqlite(text);
  if (tokens.length <= MAX_TOKENS) {
    for (let k = 0; k < tokens.length; k++) {
      const end = k + 1 < tokens.length ? tokens[k + 1]!.offset : text.length;
      const prefix = refused(text.slice(0, end));
      if (prefix !== null && !/incomplete input/.test(prefix.message)) return { ...whole, offset: tokens[k]!.offset };
    }
  }
  return { ...whole, offset: tokens[0]?.offset ?? 0 };
}

let scratchDb: Database.Database | null | undefined;

/**
 * An empty in-memory database to parse with, for a caller that has no session (lint); null when
 * better-sqlite3 is not installed (then SQLite syntax is not checked).
 */
export function scratchSqlite(): Database.Database | null {
  if (scratchDb !== undefined) return scratchDb;
  try {
    const Driver = createRequire(import.meta.url)('better-sqlite3') as typeof Database;
    scratchDb = new Driver(':memory:');
  } catch {
    scratchDb = null;
  }
  return scratchDb;
}
