/** A token of SQLite SQL, enough to recognise the statements the rules care about. */
export interface SqliteToken {
  readonly kind: 'word' | 'identifier' | 'string' | 'number' | 'punct';
  /** Upper-cased for words (keywords), the unquoted name lower-cased for quoted identifiers. */
  readonly value: string;
  /** Character offset in the text that was tokenized. */
  readonly offset: number;
}

const CLOSING: Record<string, string> = { '"': '"', '`': '`', '[': ']' };

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
    } else if (sql.startsWith('--', i)) {
      const end = sql.indexOf('\n', i);
      i = end === -1 ? sql.length : end + 1;
    } else if (sql.startsWith('/*', i)) {
      const end = sql.indexOf('*/', i + 2);
      i = end === -1 ? sql.length : end + 2;
    } else if (c === "'" || CLOSING[c]) {
      const close = c === "'" ? "'" : CLOSING[c]!;
      let j = i + 1;
      let value = '';
      for (;;) {
        if (j >= sql.length) break;
        if (sql[j] === close) {
          // A doubled quote is an escaped quote (not inside [...], which has no escape).
          if (close !== ']' && sql[j + 1] === close) {
            value += close;
            j += 2;
            continue;
          }
          break;
        }
        value += sql[j];
        j++;
      }
      tokens.push({ kind: c === "'" ? 'string' : 'identifier', value: c === "'" ? value : value.toLowerCase(), offset: i });
      i = j + 1;
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
