import { locateStatements, type Statement } from '../../dialect.js';
import { scan, type LexKind } from './lexer.js';

/**
 * SQLite scripts, read the way SQLite itself reads them. Statement boundaries follow the state machine
 * of SQLite's `sqlite3_complete()` (complete.c): a `;` ends a statement unless it sits inside a string,
 * a quoted name, a comment, or the body of a `CREATE TRIGGER … BEGIN … END`, where only a `;` followed
 * by `END` closes the body. A `CASE … END` inside a trigger body therefore never ends it.
 */

// complete.c's token classes and transition table, verbatim.
enum Tk {
  Semi,
  Ws,
  Other,
  Explain,
  Create,
  Temp,
  Trigger,
  End,
}
const TRANSITIONS: readonly (readonly number[])[] = [
  /* 0 INVALID */ [1, 0, 2, 3, 4, 2, 2, 2],
  /* 1 START   */ [1, 1, 2, 3, 4, 2, 2, 2],
  /* 2 NORMAL  */ [1, 2, 2, 2, 2, 2, 2, 2],
  /* 3 EXPLAIN */ [1, 3, 3, 2, 4, 2, 2, 2],
  /* 4 CREATE  */ [1, 4, 2, 2, 2, 4, 5, 2],
  /* 5 TRIGGER */ [6, 5, 5, 5, 5, 5, 5, 5],
  /* 6 SEMI    */ [6, 6, 5, 5, 5, 5, 5, 7],
  /* 7 END     */ [1, 7, 5, 5, 5, 5, 5, 5],
];
const KEYWORDS: Readonly<Record<string, Tk>> = { create: Tk.Create, temp: Tk.Temp, temporary: Tk.Temp, trigger: Tk.Trigger, end: Tk.End, explain: Tk.Explain };

function tokenClass(text: string, kind: LexKind, start: number, end: number): Tk {
  switch (kind) {
    case 'semi':
      return Tk.Semi;
    case 'space':
      return Tk.Ws;
    case 'word':
      return KEYWORDS[text.slice(start, end).toLowerCase()] ?? Tk.Other;
    default:
      return Tk.Other;
  }
}

/** What the first word of a transaction-control statement or a PRAGMA begins with. */
const MAY_BE_SPECIAL = /^(?:begin|commit|end|rollback|savepoint|release|pragma)/i;

/** complete.c's NORMAL state: inside a statement, where only a `;` outside strings and comments changes the state. */
const NORMAL = 2;
/** What can start a `;`, a string, a quoted name or a comment: in NORMAL state everything else is skipped at once. */
const NORMAL_STOPS = /[;'"`[]|--|\/\*/g;

/** Splits a script into located statements (without their closing `;`), dropping comment-only pieces. */
export function splitSqliteScript(text: string): Statement[] {
  // Each chunk ends past its `;`, so that the statement is sent as written (see Statement.sql).
  const chunks: { text: string; offset: number; end: number }[] = [];
  let state = 0;
  let start = 0;
  for (let i = 0; i < text.length; ) {
    if (state === NORMAL) {
      // Words, spaces and punctuation leave NORMAL as it is: go straight to the next lexeme that may not.
      NORMAL_STOPS.lastIndex = i;
      const stop = NORMAL_STOPS.exec(text);
      if (!stop) break;
      i = stop.index;
    }
    const { kind, end } = scan(text, i);
    state = TRANSITIONS[state]![tokenClass(text, kind, i, end)]!;
    if (state === 1) {
      chunks.push({ text: text.slice(start, i), offset: start, end });
      start = end;
      state = 0;
    }
    i = end;
  }
  chunks.push({ text: text.slice(start), offset: start, end: text.length });
  return locateStatements(text, chunks).map((statement) => {
    // A statement's text starts with its first word: most start with none of these, and need no lexing.
    if (!MAY_BE_SPECIAL.test(statement.text)) return statement;
    const control = transactionControl(statement.text);
    if (control) return { ...statement, transactionControl: control };
    return upper(leadingWords(statement.text, 1))[0] === 'PRAGMA' ? { ...statement, sessionSetting: true } : statement;
  });
}

/** The first `count` words and quoted names of a statement, comments and spaces skipped. */
function leadingWords(text: string, count: number): { kind: LexKind; text: string }[] {
  const words: { kind: LexKind; text: string }[] = [];
  for (let i = 0; i < text.length && words.length < count; ) {
    const { kind, end } = scan(text, i);
    if (kind !== 'space') words.push({ kind, text: text.slice(i, end) });
    i = end;
  }
  return words;
}

const upper = (words: readonly { text: string }[]) => words.map((w) => w.text.toUpperCase());

function transactionControl(text: string): Statement['transactionControl'] {
  const words = upper(leadingWords(text, 4));
  const first = words[0];
  if (first !== 'BEGIN' && first !== 'COMMIT' && first !== 'END' && first !== 'ROLLBACK' && first !== 'SAVEPOINT' && first !== 'RELEASE') return undefined;
  const rest = words.slice(1).filter((w) => w !== 'TRANSACTION');
  if (first === 'BEGIN' && rest.every((w) => w === 'DEFERRED' || w === 'IMMEDIATE' || w === 'EXCLUSIVE')) return 'begin';
  if ((first === 'COMMIT' || first === 'END') && rest.length === 0) return 'commit';
  return 'other';
}

/** The one object a statement creates, when it creates exactly one: what "already exists" may be about. */
export type SqliteObject =
  | { readonly kind: 'table' | 'index' | 'view' | 'trigger'; readonly name: string }
  | { readonly kind: 'column'; readonly table: string; readonly name: string };

function unquote(word: Word): string {
  return word.kind === 'quoted' ? word.text.slice(1, -1) : word.text;
}

type Word = { kind: LexKind; text: string };

/** A statement's words and quoted names by position, comments and spaces skipped, lexed only as far as asked. */
function wordReader(text: string): (i: number) => Word | undefined {
  const words: Word[] = [];
  let at = 0;
  return (i) => {
    while (words.length <= i && at < text.length) {
      const { kind, end } = scan(text, at);
      if (kind !== 'space') words.push({ kind, text: text.slice(at, end) });
      at = end;
    }
    return words[i];
  };
}

/** Reads `[schema.]name` at `i`; returns the name and the index after it. */
function qualifiedName(word: (i: number) => Word | undefined, i: number): { name: string; next: number } | null {
  const first = word(i);
  if (!first || (first.kind !== 'word' && first.kind !== 'quoted')) return null;
  const last = word(i + 2);
  if (word(i + 1)?.text === '.' && last) return { name: unquote(last), next: i + 3 };
  return { name: unquote(first), next: i + 1 };
}

/**
 * `CREATE [TEMP] [UNIQUE|VIRTUAL] TABLE|INDEX|VIEW|TRIGGER [IF NOT EXISTS] name` and
 * `ALTER TABLE name ADD [COLUMN] column`: the statements whose "already exists" is provably about
 * their one object. Anything else has none (and is lexed no further than its first word).
 */
export function sqliteCreatedObject(text: string): SqliteObject | null {
  const word = wordReader(text);
  const key = (i: number) => word(i)?.text.toUpperCase();
  let i = 0;
  const first = key(0);
  if (first === 'CREATE') {
    i = 1;
    while (key(i) === 'TEMP' || key(i) === 'TEMPORARY' || key(i) === 'UNIQUE' || key(i) === 'VIRTUAL') i++;
    const kind = key(i)?.toLowerCase();
    if (kind !== 'table' && kind !== 'index' && kind !== 'view' && kind !== 'trigger') return null;
    i++;
    if (key(i) === 'IF' && key(i + 1) === 'NOT' && key(i + 2) === 'EXISTS') i += 3;
    const name = qualifiedName(word, i);
    return name ? { kind, name: name.name } : null;
  }
  if (first === 'ALTER' && key(1) === 'TABLE') {
    const table = qualifiedName(word, 2);
    if (!table || key(table.next) !== 'ADD') return null;
    i = key(table.next + 1) === 'COLUMN' ? table.next + 2 : table.next + 1;
    const column = word(i);
    if (!column || (column.kind !== 'word' && column.kind !== 'quoted')) return null;
    return { kind: 'column', table: table.name, name: unquote(column) };
  }
  return null;
}
