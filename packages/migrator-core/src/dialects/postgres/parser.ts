import { createRequire } from 'node:module';
import { StatementError, locateInText } from '../../dialect.js';
import { messageOf } from '../../errors.js';

/**
 * PostgreSQL's own parser (libpg-query), loaded on first use only: its JavaScript and WebAssembly cost
 * start-up time and memory that a run with nothing to parse (a no-op boot, SQLite) never pays.
 */

type LibPgQuery = typeof import('libpg-query');

let loading: Promise<LibPgQuery> | undefined;
let loaded: LibPgQuery | undefined;

/**
 * Loads libpg-query (module and WebAssembly) once. Through `require`, its CommonJS build: its ES module
 * wraps the same CommonJS glue, which Node's ESM loader then scans for exports; loading took 50–75 ms
 * that way and 25 ms this way (measured in docs/benchmarks.md).
 */
export function loadPgParser(): Promise<LibPgQuery> {
  // libpg-query starts compiling its WebAssembly when its module is first loaded. V8 compiles it as the
  // process chose (`node --liftoff-only` keeps the optimising compiler off it: docs/benchmarks.md).
  loading ??= (async () => {
    const parser = createRequire(import.meta.url)('libpg-query') as LibPgQuery;
    await parser.loadModule();
    return (loaded = parser);
  })();
  return loading;
}

/** libpg-query, once `loadPgParser()` has resolved. */
export function pgParser(): LibPgQuery {
  if (!loaded) throw new Error('the PostgreSQL parser is used before loadPgParser() resolved');
  return loaded;
}

/**
 * A statement of a script as the parser read it, with its place as character offsets in the script. The
 * tree of a data statement (INSERT, SELECT, UPDATE, DELETE, MERGE) is reduced to its kind.
 */
export interface ParsedPgStatement {
  readonly stmt: Record<string, Record<string, unknown>> | undefined;
  readonly start: number;
  readonly end: number;
}

interface RawStmt {
  stmt_location?: number;
  stmt_len?: number;
  stmt?: Record<string, Record<string, unknown>>;
}

/**
 * Scripts up to twice this size (16 KiB) are parsed whole. A larger one is parsed in pieces of about this
 * size, cut after a `;` outside any string, quoted name, dollar-quoted body or comment: the parse tree of a
 * whole 50 MB file does not fit the parser's memory, and the trees of small pieces die young (pieces of
 * 128 KiB left a 50 MB file's peak memory 50 MB higher, at the same speed). A cut the parser does not
 * accept (inside a `BEGIN ATOMIC … END` body, say) makes the piece fail; it is then parsed together with
 * the next 1, 2, 4, … pieces, up to `MAX_MERGES` times (a body of up to 2 MiB).
 */
const PIECE_CHARS = 1 << 13;
const MAX_MERGES = 8;

/**
 * Converts ascending UTF-8 byte offsets of a text (what libpg-query reports) into character offsets,
 * walking the text once: linear in its size however many statements it has.
 */
class ByteToChar {
  private byte = 0;
  private char = 0;
  private readonly ascii: boolean;

  constructor(private readonly text: string) {
    this.ascii = Buffer.byteLength(text) === text.length;
  }

  offset(byteOffset: number): number {
    if (this.ascii) return byteOffset;
    if (byteOffset < this.byte) {
      this.byte = 0;
      this.char = 0;
    }
    const text = this.text;
    while (this.byte < byteOffset && this.char < text.length) {
      const code = text.charCodeAt(this.char);
      if (code < 0x80) {
        this.byte += 1;
        this.char += 1;
      } else if (code < 0x800) {
        this.byte += 2;
        this.char += 1;
      } else if (code >= 0xd800 && code <= 0xdbff) {
        // A surrogate pair: one 4-byte character, two UTF-16 units.
        this.byte += 4;
        this.char += 2;
      } else {
        this.byte += 3;
        this.char += 1;
      }
    }
    return this.char;
  }
}

const isIdentChar = (code: number) =>
  (code >= 48 && code <= 57) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || code === 95 || code === 36 || code >= 0x80;
const DOLLAR_TAG = /\$(?:[A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*)?\$/y;

/**
 * Statements that only read or write rows: their trees (every value of a 50-row INSERT) are most of a
 * data migration's memory, and the engine reads nothing in them but their kind.
 */
const DATA_STATEMENTS = new Set(['InsertStmt', 'SelectStmt', 'UpdateStmt', 'DeleteStmt', 'MergeStmt']);

function lighten(stmt: RawStmt['stmt']): RawStmt['stmt'] {
  const type = stmt && Object.keys(stmt)[0];
  return type && DATA_STATEMENTS.has(type) ? { [type]: {} } : stmt;
}

/** Character offsets just after a top-level `;`, about every `every` characters, then the text's end. */
export function pieceEnds(sql: string, every: number): number[] {
  const ends: number[] = [];
  let next = every;
  const n = sql.length;
  let i = 0;
  while (i < n) {
    const c = sql.charCodeAt(i);
    if (c === 59 /* ; */) {
      i++;
      if (i >= next && i < n) {
        ends.push(i);
        next = i + every;
      }
    } else if (c === 39 /* ' */) {
      const prev = i > 0 ? sql.charCodeAt(i - 1) : 0;
      const escaped = (prev === 69 || prev === 101) && !(i > 1 && isIdentChar(sql.charCodeAt(i - 2)));
      i++;
      while (i < n) {
        const d = sql.charCodeAt(i);
        if (escaped && d === 92 /* \ */) i += 2;
        else if (d === 39) {
          i++;
          if (sql.charCodeAt(i) !== 39) break;
          i++;
        } else i++;
      }
    } else if (c === 34 /* " */) {
      const close = sql.indexOf('"', i + 1);
      i = close === -1 ? n : close + 1;
    } else if (c === 45 /* - */ && sql.charCodeAt(i + 1) === 45) {
      const close = sql.indexOf('\n', i);
      i = close === -1 ? n : close + 1;
    } else if (c === 47 /* / */ && sql.charCodeAt(i + 1) === 42 /* * */) {
      let depth = 1;
      i += 2;
      while (i < n && depth > 0) {
        if (sql.charCodeAt(i) === 47 && sql.charCodeAt(i + 1) === 42) {
          depth++;
          i += 2;
        } else if (sql.charCodeAt(i) === 42 && sql.charCodeAt(i + 1) === 47) {
          depth--;
          i += 2;
        } else i++;
      }
    } else if (c === 36 /* $ */ && !(i > 0 && isIdentChar(sql.charCodeAt(i - 1)))) {
      DOLLAR_TAG.lastIndex = i;
      const tag = DOLLAR_TAG.exec(sql);
      if (tag) {
        const close = sql.indexOf(tag[0], i + tag[0].length);
        i = close === -1 ? n : close + tag[0].length;
      } else i++;
    } else if (isIdentChar(c)) {
      // Skip the rest of a word at once: a `$` or `'` inside it starts nothing.
      i++;
      while (i < n && isIdentChar(sql.charCodeAt(i))) i++;
    } else i++;
  }
  ends.push(n);
  return ends;
}

/** UTF-16 offset of the `points`-th code point of a text (PostgreSQL's error cursor counts characters, not bytes). */
function codePointOffset(text: string, points: number): number {
  let unit = 0;
  for (let p = 0; p < points && unit < text.length; p++) {
    const code = text.charCodeAt(unit);
    unit += code >= 0xd800 && code <= 0xdbff ? 2 : 1;
  }
  return unit;
}

function syntaxError(error: unknown, sql: string, pieceStart: number, piece: string): StatementError {
  const cursor = (error as { sqlDetails?: { cursorPosition?: number } }).sqlDetails?.cursorPosition;
  const at = cursor === undefined ? { line: 1, column: 1 } : locateInText(sql, pieceStart + codePointOffset(piece, cursor));
  return new StatementError(messageOf(error), { statementIndex: null, ...at, sqlstate: '42601', cause: error });
}

/**
 * Parses a script with PostgreSQL's parser: each statement's tree and its place in the script, in
 * character offsets. Time and memory are linear in the script's size. Throws a StatementError (SQLSTATE
 * 42601, with line and column) on a syntax error.
 */
export async function parsePgScript(sql: string, pieceChars = PIECE_CHARS): Promise<ParsedPgStatement[]> {
  const { parseSync } = await loadPgParser();
  const ends = sql.length <= 2 * pieceChars ? [sql.length] : pieceEnds(sql, pieceChars);
  const statements: ParsedPgStatement[] = [];
  let start = 0;
  for (let k = 0; k < ends.length; k++) {
    let piece = sql.slice(start, ends[k]);
    // The parser refuses a piece of nothing but white space (a file's tail): it holds no statement.
    if (piece.trim() === '') {
      start = ends[k]!;
      continue;
    }
    let parsed: { stmts?: RawStmt[] } | undefined;
    for (let merges = 0; ; merges++) {
      try {
        parsed = parseSync(piece) as { stmts?: RawStmt[] };
        break;
      } catch (error) {
        if (k === ends.length - 1 || merges === MAX_MERGES) throw syntaxError(error, sql, start, piece);
        k = Math.min(ends.length - 1, k + 2 ** merges);
        piece = sql.slice(start, ends[k]);
      }
    }
    const chars = new ByteToChar(piece);
    const pieceBytes = piece.length === 0 ? 0 : Buffer.byteLength(piece);
    for (const s of parsed.stmts ?? []) {
      const from = s.stmt_location ?? 0;
      const to = s.stmt_len === undefined ? pieceBytes : from + s.stmt_len;
      statements.push({ stmt: lighten(s.stmt), start: start + chars.offset(from), end: start + chars.offset(to) });
    }
    start = ends[k]!;
  }
  return statements;
}
