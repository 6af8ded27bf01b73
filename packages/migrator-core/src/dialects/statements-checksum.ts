import type { MigrationScript, SqlVariant } from '../migration-types.js';
import { createSha256 } from '../sha256.js';

/**
 * The checksum of a migration's statements alone: its comments and the white space between tokens left
 * out, everything inside a string, a dollar-quoted body or a quoted identifier kept byte for byte. An
 * applied migration whose file changed only outside its statements (a comment reworded, a line
 * re-indented) has the same statements checksum, and is re-recorded with a warning instead of failing.
 * Named so a later change of this normalisation is told apart from an edit.
 */
export const STATEMENTS_CHECKSUM_ALGORITHM = 'sha256-statements-v1';

/** Characters next to which white space never separates two tokens: dropping it there changes nothing. */
const TIGHT = new Set(['(', ')', ',', ';']);

const isWordChar = (code: number) =>
  (code >= 48 && code <= 57) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || code === 95 || code === 36 || code > 127;

/**
 * The statements of `sql` as one normalised text. A tokenizer of the two dialects' lexical rules: `--`
 * and block comments (nested on PostgreSQL, as its lexer nests them), '…' strings with doubled quotes
 * (and backslash escapes in PostgreSQL's E'…'), PostgreSQL's $tag$ bodies, "…" identifiers, and SQLite's
 * […] and `…` identifiers. A run of white space and comments becomes one space, or nothing beside
 * ( ) , ; — except between two string literals, where PostgreSQL reads a newline as a concatenation:
 * that one stays a newline. Text it cannot close (an unterminated string) is kept as written to the end.
 */
export function normalizeStatements(sql: string, variant: SqlVariant): string {
  const out: string[] = [];
  let separated = false;
  let separatorHadNewline = false;
  let lastWasString = false;
  let lastChar = '';
  let i = 0;
  const n = sql.length;
  const emit = (text: string, isString: boolean) => {
    if (separated && out.length > 0) {
      if (isString && lastWasString && separatorHadNewline) out.push('\n');
      else if (!TIGHT.has(lastChar) && !TIGHT.has(text[0]!)) out.push(' ');
    }
    out.push(text);
    separated = false;
    separatorHadNewline = false;
    lastWasString = isString;
    lastChar = text[text.length - 1]!;
  };
  /** End (exclusive) of a quoted run opened at `start` and closed by `close`, a doubled `close` escaping it. */
  const quotedEnd = (start: number, close: string, backslash: boolean): number => {
    let j = start + 1;
    while (j < n) {
      const c = sql[j]!;
      if (backslash && c === '\\') {
        j += 2;
        continue;
      }
      if (c === close) {
        if (close !== ']' && sql[j + 1] === close) {
          j += 2;
          continue;
        }
        return j + 1;
      }
      j++;
    }
    return n;
  };
  while (i < n) {
    const c = sql[i]!;
    const code = sql.charCodeAt(i);
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f' || c === '\v' || c === '\uFEFF') {
      separated = true;
      if (c === '\n' || c === '\r') separatorHadNewline = true;
      i++;
    } else if (c === '-' && sql[i + 1] === '-') {
      const end = sql.indexOf('\n', i);
      separated = true;
      i = end === -1 ? n : end;
    } else if (c === '/' && sql[i + 1] === '*') {
      let depth = 1;
      let j = i + 2;
      while (j < n && depth > 0) {
        if (sql[j] === '*' && sql[j + 1] === '/') {
          depth--;
          j += 2;
        } else if (variant === 'postgres' && sql[j] === '/' && sql[j + 1] === '*') {
          depth++;
          j += 2;
        } else j++;
      }
      separated = true;
      i = j;
    } else if (c === "'") {
      // E'…' (and e'…') reads backslash escapes on PostgreSQL: E must be a token of its own, not a name's end.
      const prefixed = variant === 'postgres' && i > 0 && (sql[i - 1] === 'E' || sql[i - 1] === 'e') && (i < 2 || !isWordChar(sql.charCodeAt(i - 2)));
      const end = quotedEnd(i, "'", prefixed);
      emit(sql.slice(i, end), true);
      i = end;
    } else if (c === '"' || (variant === 'sqlite' && (c === '`' || c === '['))) {
      const end = quotedEnd(i, c === '[' ? ']' : c, false);
      emit(sql.slice(i, end), false);
      i = end;
    } else if (
      c === '$' &&
      variant === 'postgres' &&
      !(i > 0 && isWordChar(sql.charCodeAt(i - 1)) && !separated) &&
      /^\$(?:[A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*)?\$/.test(sql.slice(i, i + 65))
    ) {
      const tag = /^\$(?:[A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*)?\$/.exec(sql.slice(i, i + 65))![0];
      const close = sql.indexOf(tag, i + tag.length);
      const end = close === -1 ? n : close + tag.length;
      emit(sql.slice(i, end), false);
      i = end;
    } else {
      // A run of plain characters up to the next one that may start something else.
      let j = i + 1;
      if (isWordChar(code)) {
        while (j < n && isWordChar(sql.charCodeAt(j))) j++;
        // E'…': the prefix stays glued to its string.
        if (sql[j] === "'") {
          emit(sql.slice(i, j), false);
          separated = false;
          i = j;
          continue;
        }
      }
      emit(sql.slice(i, j), false);
      i = j;
    }
  }
  return out.join('');
}

const caches: Record<SqlVariant, WeakMap<MigrationScript, string>> = { postgres: new WeakMap(), sqlite: new WeakMap() };

/** `STATEMENTS_CHECKSUM_ALGORITHM:<hex>` of a script (its no-transaction marker counts: it changes how the statements run). */
export function statementsChecksumOf(script: MigrationScript, variant: SqlVariant): string {
  const built = script.precomputedStatementsChecksums?.[variant];
  if (built?.startsWith(`${STATEMENTS_CHECKSUM_ALGORITHM}:`)) return built;
  const cache = caches[variant];
  const cached = cache.get(script);
  if (cached !== undefined) return cached;
  const hash = createSha256();
  hash.update(script.transactional ? 'transaction\n' : 'no-transaction\n', 'utf8');
  hash.update(normalizeStatements(script.sql, variant), 'utf8');
  const value = `${STATEMENTS_CHECKSUM_ALGORITHM}:${hash.digest('hex')}`;
  cache.set(script, value);
  return value;
}
