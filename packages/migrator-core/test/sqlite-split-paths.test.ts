import { describe, expect, it } from 'vitest';
import { locateStatements, type Statement } from '../src/dialect.js';
import { splitSqliteScript } from '../src/dialects/sqlite/script.js';

/**
 * The SQLite splitter's fast path (skipping to the next `;`, string or comment inside a statement, and
 * lexing only the statements that may be transaction control or a PRAGMA) splits exactly as the
 * lexeme-by-lexeme state machine it replaced: same statements, lines, columns and flags.
 */

type LexKind = 'semi' | 'space' | 'word' | 'quoted' | 'other';

/** The splitter as it was before, lexeme by lexeme (complete.c's state machine). */
function referenceSplit(text: string): Statement[] {
  const isSpace = (c: string) => c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f';
  const isIdChar = (c: string) => {
    const code = c.charCodeAt(0);
    return (code >= 97 && code <= 122) || (code >= 65 && code <= 90) || (code >= 48 && code <= 57) || code === 95 || code === 36 || code >= 0x80;
  };
  function* lex(s: string): Generator<{ kind: LexKind; start: number; end: number }> {
    let i = 0;
    while (i < s.length) {
      const start = i;
      const c = s[i]!;
      if (c === ';') {
        i++;
        yield { kind: 'semi', start, end: i };
      } else if (isSpace(c)) {
        while (i < s.length && isSpace(s[i]!)) i++;
        yield { kind: 'space', start, end: i };
      } else if (c === '-' && s[i + 1] === '-') {
        const nl = s.indexOf('\n', i);
        i = nl === -1 ? s.length : nl + 1;
        yield { kind: 'space', start, end: i };
      } else if (c === '/' && s[i + 1] === '*') {
        const close = s.indexOf('*/', i + 2);
        i = close === -1 ? s.length : close + 2;
        yield { kind: 'space', start, end: i };
      } else if (c === "'" || c === '"' || c === '`' || c === '[') {
        const close = s.indexOf(c === '[' ? ']' : c, i + 1);
        i = close === -1 ? s.length : close + 1;
        yield { kind: 'quoted', start, end: i };
      } else if (isIdChar(c)) {
        while (i < s.length && isIdChar(s[i]!)) i++;
        yield { kind: 'word', start, end: i };
      } else {
        i++;
        yield { kind: 'other', start, end: i };
      }
    }
  }
  const transitions = [
    [1, 0, 2, 3, 4, 2, 2, 2],
    [1, 1, 2, 3, 4, 2, 2, 2],
    [1, 2, 2, 2, 2, 2, 2, 2],
    [1, 3, 3, 2, 4, 2, 2, 2],
    [1, 4, 2, 2, 2, 4, 5, 2],
    [6, 5, 5, 5, 5, 5, 5, 5],
    [6, 6, 5, 5, 5, 5, 5, 7],
    [1, 7, 5, 5, 5, 5, 5, 5],
  ];
  const keywords: Record<string, number> = { create: 4, temp: 5, temporary: 5, trigger: 6, end: 7, explain: 3 };
  const tokenClass = (kind: LexKind, word: string) => (kind === 'semi' ? 0 : kind === 'space' ? 1 : kind === 'word' ? (keywords[word.toLowerCase()] ?? 2) : 2);
  const chunks: { text: string; offset: number; end: number }[] = [];
  let state = 0;
  let start = 0;
  for (const lexeme of lex(text)) {
    state = transitions[state]![tokenClass(lexeme.kind, text.slice(lexeme.start, lexeme.end))]!;
    if (state === 1) {
      chunks.push({ text: text.slice(start, lexeme.start), offset: start, end: lexeme.end });
      start = lexeme.end;
      state = 0;
    }
  }
  chunks.push({ text: text.slice(start), offset: start, end: text.length });
  const words = (s: string, count: number) => {
    const out: string[] = [];
    for (const lexeme of lex(s)) {
      if (lexeme.kind === 'space') continue;
      out.push(s.slice(lexeme.start, lexeme.end).toUpperCase());
      if (out.length === count) break;
    }
    return out;
  };
  return locateStatements(text, chunks).map((statement) => {
    const [first, ...more] = words(statement.text, 4);
    const rest = more.filter((w) => w !== 'TRANSACTION');
    if (first === 'BEGIN' || first === 'COMMIT' || first === 'END' || first === 'ROLLBACK' || first === 'SAVEPOINT' || first === 'RELEASE') {
      const control =
        first === 'BEGIN' && rest.every((w) => w === 'DEFERRED' || w === 'IMMEDIATE' || w === 'EXCLUSIVE')
          ? 'begin'
          : (first === 'COMMIT' || first === 'END') && rest.length === 0
            ? 'commit'
            : 'other';
      return { ...statement, transactionControl: control };
    }
    return first === 'PRAGMA' ? { ...statement, sessionSetting: true } : statement;
  });
}

const PIECES = [
  'CREATE TABLE IF NOT EXISTS t (x text, "we;ird" int, [br;acket] int, `back;tick` int);',
  "INSERT INTO t (x) VALUES ('it''s; -- not a comment'), ('/* nor; this */');",
  "-- a comment; with a semicolon and a quote '\nSELECT 1;",
  '/* a block; comment with "quotes" */ SELECT 2;',
  "CREATE TRIGGER tr AFTER INSERT ON t BEGIN UPDATE t SET x = CASE WHEN 1 THEN 'a;b' END; SELECT 1; END;",
  'create temp trigger "tr2" before delete on t begin select raise(abort, \'no; way\'); end;',
  'EXPLAIN CREATE TRIGGER tr3 AFTER UPDATE ON t BEGIN SELECT 1; END;',
  'BEGIN;',
  'begin immediate transaction;',
  'COMMIT;',
  'END TRANSACTION;',
  'SAVEPOINT s1;',
  'RELEASE s1;',
  'ROLLBACK;',
  'PRAGMA foreign_keys = OFF;',
  'pragma_like_name_is_not_a_pragma;',
  'Endless;',
  'SELECT x-1, 4/2, a--b\nFROM t;',
  "SELECT 'ünïcode — ✓ 𝄞; still a string';",
  ';;',
  '   \n\t ',
  "SELECT 'unterminated; string",
  '/* unterminated; comment',
];

describe('SQLite splitting: the fast path against the lexeme-by-lexeme one', () => {
  it('splits every tricky piece alone exactly as before', () => {
    for (const piece of PIECES) expect(splitSqliteScript(piece), piece).toEqual(referenceSplit(piece));
  });

  it('splits many random scripts of those pieces exactly as before', () => {
    let seed = 12;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let n = 0; n < 500; n++) {
      const parts = Array.from({ length: 1 + Math.floor(random() * 8) }, () => PIECES[Math.floor(random() * PIECES.length)]!);
      const script = parts.join(random() < 0.5 ? '\n' : ' ');
      expect(splitSqliteScript(script), script).toEqual(referenceSplit(script));
    }
  });
});
