/**
 * The one SQLite lexer: the splitter (script.ts), the linter's rules and the catalog reader (catalog.ts)
 * read comments, strings and quoted names alike. `scan` is the lexeme scanner of SQLite's
 * `sqlite3_complete()`; `tokenizeSqlite` builds the tokens the rules and the catalog reader match on it.
 */

export type LexKind = 'semi' | 'space' | 'word' | 'quoted' | 'other';

export const isSpace = (code: number) => code === 32 || code === 9 || code === 10 || code === 13 || code === 12;
// complete.c's IdChar: letters, digits, '_', '$' and every non-ASCII character (by code, not a regex: it runs per character).
const isIdChar = (code: number) =>
  (code >= 97 && code <= 122) || (code >= 65 && code <= 90) || (code >= 48 && code <= 57) || code === 95 || code === 36 || code >= 0x80;

/** The kind and end of the lexeme that starts at `i`; an unterminated string, name or comment runs to the end of the text. */
export function scan(text: string, i: number): { kind: LexKind; end: number } {
  const c = text.charCodeAt(i);
  if (c === 59 /* ; */) return { kind: 'semi', end: i + 1 };
  if (isSpace(c)) {
    let end = i + 1;
    while (end < text.length && isSpace(text.charCodeAt(end))) end++;
    return { kind: 'space', end };
  }
  if (c === 45 /* - */ && text.charCodeAt(i + 1) === 45) {
    const nl = text.indexOf('\n', i);
    return { kind: 'space', end: nl === -1 ? text.length : nl + 1 };
  }
  if (c === 47 /* / */ && text.charCodeAt(i + 1) === 42 /* * */) {
    const close = text.indexOf('*/', i + 2);
    return { kind: 'space', end: close === -1 ? text.length : close + 2 };
  }
  if (c === 39 /* ' */ || c === 34 /* " */ || c === 96 /* ` */ || c === 91 /* [ */) {
    const close = text.indexOf(c === 91 ? ']' : text[i]!, i + 1);
    return { kind: 'quoted', end: close === -1 ? text.length : close + 1 };
  }
  if (isIdChar(c)) {
    let end = i + 1;
    while (end < text.length && isIdChar(text.charCodeAt(end))) end++;
    return { kind: 'word', end };
  }
  return { kind: 'other', end: i + 1 };
}

/** A token of SQLite SQL, enough to recognise the statements the rules care about. */
export interface SqliteToken {
  readonly kind: 'word' | 'identifier' | 'string' | 'number' | 'punct';
  /** Upper-cased for words (keywords), the unquoted name lower-cased for quoted identifiers. */
  readonly value: string;
  /** Character offset in the text that was tokenized. */
  readonly offset: number;
}

/**
 * The string or quoted name that starts at `start`, read as `scan` reads it, piece by piece: a doubled
 * quote is an escaped quote (not inside [...], which has no escape). Unterminated, it runs to the end.
 */
function readQuoted(sql: string, start: number): { value: string; end: number } {
  const close = sql[start] === '[' ? ']' : sql[start]!;
  let value = '';
  for (let from = start; ; ) {
    const { end } = scan(sql, from);
    const closed = end - 1 > from && sql[end - 1] === close;
    value += sql.slice(from + 1, closed ? end - 1 : end);
    if (!closed || close === ']' || sql[end] !== close) return { value, end };
    value += close;
    from = end;
  }
}

/**
 * A light tokenizer for SQLite: comments dropped, strings and quoted identifiers kept whole. No
 * maintained JavaScript parser covers SQLite's grammar (triggers, virtual tables, its ALTER TABLE), and
 * the rules only need the first few keywords of a statement, a name or two, and WHERE at depth 0.
 * SQLite compares names case-insensitively, quoted or not, so every name is lower-cased.
 */
export function tokenizeSqlite(sql: string): SqliteToken[] {
  const tokens: SqliteToken[] = [];
  let i = 0;
  while (i < sql.length) {
    const c = sql[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const lexeme = scan(sql, i);
    if (lexeme.kind === 'space') {
      // A comment: the splitter's reading of it.
      i = lexeme.end;
    } else if (lexeme.kind === 'quoted') {
      const quoted = readQuoted(sql, i);
      tokens.push({ kind: c === "'" ? 'string' : 'identifier', value: c === "'" ? quoted.value : quoted.value.toLowerCase(), offset: i });
      i = quoted.end;
    } else if (/[A-Za-z_\u0080-\uffff]/.test(c)) {
      const match = /^[A-Za-z0-9_$\u0080-\uffff]+/.exec(sql.slice(i, i + 256))!;
      tokens.push({ kind: 'word', value: match[0].toUpperCase(), offset: i });
      i += match[0].length;
    } else if (/[0-9]/.test(c)) {
      const match = /^[0-9.eE]+/.exec(sql.slice(i, i + 64))!;
      tokens.push({ kind: 'number', value: match[0], offset: i });
      i += match[0].length;
    } else {
      tokens.push({ kind: 'punct', value: c, offset: i });
      i++;
    }
  }
  return tokens;
}

/** A name token's value: lower-cased, whether it was quoted or a bare word. */
export function nameOf(token: SqliteToken | undefined): string | undefined {
  if (!token) return undefined;
  if (token.kind === 'identifier') return token.value;
  if (token.kind === 'word' || token.kind === 'string') return token.value.toLowerCase();
  return undefined;
}
