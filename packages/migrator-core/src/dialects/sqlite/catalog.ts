import type Database from 'better-sqlite3';
import { tokenizeSqlite, type SqliteToken } from './lexer.js';
import { ENGINE_TABLES } from '../../dialect.js';
import { bodyHash, oneLine, sortObjects, type SchemaObject } from '../../schema/schema-object.js';

interface SchemaRow {
  readonly type: 'table' | 'index' | 'view' | 'trigger';
  readonly name: string;
  readonly tbl_name: string;
  readonly sql: string | null;
}

interface TableListRow {
  readonly name: string;
  readonly type: 'table' | 'view' | 'shadow' | 'virtual';
  readonly wr: number;
  readonly strict: number;
}

interface ColumnRow {
  readonly name: string;
  readonly type: string;
  readonly notnull: number;
  readonly dflt_value: string | null;
  readonly pk: number;
  readonly hidden: number;
}

interface ForeignKeyRow {
  readonly id: number;
  readonly seq: number;
  readonly table: string;
  readonly from: string;
  readonly to: string | null;
  readonly on_update: string;
  readonly on_delete: string;
  readonly match: string;
}

interface IndexListRow {
  readonly name: string;
  readonly unique: number;
  readonly origin: 'c' | 'u' | 'pk';
  readonly partial: number;
}

interface IndexColumnRow {
  readonly seqno: number;
  readonly cid: number;
  readonly name: string | null;
  readonly desc: number;
  readonly coll: string;
  readonly key: number;
}

/**
 * Reads the schema of the main database from `sqlite_schema` and the table, index and foreign-key
 * pragmas. SQLite keeps CHECK constraints, partial-index predicates and bodies only in the stored SQL
 * text (which SQLite itself normalises: no IF NOT EXISTS, no schema name); those are cut from it with
 * the engine's SQLite tokenizer, everything else comes from the pragmas.
 */
export function readSqliteSchema(db: Database.Database): SchemaObject[] {
  // The engine's tables and whatever hangs off them (indexes, triggers) are its own, not the registry's.
  const rows = db
    .prepare(
      `SELECT type, name, tbl_name, sql FROM sqlite_schema WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND tbl_name NOT IN (` +
        `${ENGINE_TABLES.map(() => '?').join(', ')})`,
    )
    .all(...ENGINE_TABLES) as SchemaRow[];
  const tableList = new Map(
    (db.prepare(`SELECT name, type, wr, strict FROM pragma_table_list WHERE schema = 'main'`).all() as TableListRow[]).map((t) => [t.name, t]),
  );
  const objects: SchemaObject[] = [];
  for (const row of rows) {
    const listed = tableList.get(row.name);
    if (row.type === 'table') {
      // A virtual table's shadow tables are its own business.
      if (listed?.type === 'shadow') continue;
      if (listed?.type === 'virtual') objects.push({ kind: 'table', name: row.name, definition: oneLine(virtualModule(row.sql ?? '')) });
      else objects.push(...table(db, row, listed));
    } else if (row.type === 'index') {
      objects.push(index(db, row));
    } else if (row.type === 'view') {
      objects.push({ kind: 'view', name: row.name, definition: oneLine(afterWord(row.sql ?? '', 'AS', 'AS ')) });
    } else if (row.type === 'trigger') {
      objects.push(trigger(row));
    }
  }
  return sortObjects(objects);
}

function table(db: Database.Database, row: SchemaRow, listed: TableListRow | undefined): SchemaObject[] {
  const name = row.name;
  const objects: SchemaObject[] = [
    { kind: 'table', name, definition: [listed?.wr ? 'WITHOUT ROWID' : null, listed?.strict ? 'STRICT' : null].filter(Boolean).join(' ') },
  ];
  const columns = db.prepare('SELECT name, type, "notnull", dflt_value, pk, hidden FROM pragma_table_xinfo(?)').all(name) as ColumnRow[];
  const generated = generatedColumns(row.sql ?? '');
  for (const c of columns) {
    const value =
      c.hidden === 2 || c.hidden === 3
        ? `GENERATED ALWAYS AS (${generated.get(c.name.toLowerCase()) ?? '?'}) ${c.hidden === 3 ? 'STORED' : 'VIRTUAL'}`
        : c.dflt_value === null
          ? null
          : `DEFAULT ${c.dflt_value}`;
    objects.push({
      kind: 'column',
      name: `${name}.${c.name}`,
      definition: oneLine([c.type === '' ? '(no type)' : c.type, c.notnull ? 'NOT NULL' : null, value].filter(Boolean).join(' ')),
    });
  }
  const pk = columns.filter((c) => c.pk > 0).sort((a, b) => a.pk - b.pk);
  if (pk.length > 0) objects.push({ kind: 'constraint', name: `${name}.primary_key`, definition: `PRIMARY KEY (${pk.map((c) => c.name).join(', ')})` });
  objects.push(...foreignKeys(db, name));
  for (const list of db.prepare('SELECT name, "unique", origin, partial FROM pragma_index_list(?)').all(name) as IndexListRow[]) {
    if (list.origin !== 'u') continue;
    const keys = indexColumns(db, list.name).map((c) => c.name ?? '?');
    objects.push({ kind: 'constraint', name: `${name}.unique(${keys.join(', ')})`, definition: `UNIQUE (${keys.join(', ')})` });
  }
  // SQLite's CHECKs have no names of their own: the expression is the name, and there is nothing else to compare.
  for (const check of checkConstraints(row.sql ?? '')) objects.push({ kind: 'constraint', name: `${name}.CHECK ${check}`, definition: '' });
  return objects;
}

/** Foreign keys by their columns: `REFERENCES parent (cols)` and the actions that are not the default. */
function foreignKeys(db: Database.Database, table: string): SchemaObject[] {
  const rows = db.prepare('SELECT * FROM pragma_foreign_key_list(?)').all(table) as ForeignKeyRow[];
  const byId = new Map<number, ForeignKeyRow[]>();
  for (const r of rows) byId.set(r.id, [...(byId.get(r.id) ?? []), r]);
  return [...byId.values()].map((group) => {
    const parts = group.sort((a, b) => a.seq - b.seq);
    const first = parts[0]!;
    const to = parts.every((p) => p.to === null) ? '' : ` (${parts.map((p) => p.to ?? '?').join(', ')})`;
    const actions = [
      first.on_update !== 'NO ACTION' ? `ON UPDATE ${first.on_update}` : null,
      first.on_delete !== 'NO ACTION' ? `ON DELETE ${first.on_delete}` : null,
      first.match !== 'NONE' ? `MATCH ${first.match}` : null,
    ];
    const from = parts.map((p) => p.from).join(', ');
    return {
      kind: 'constraint' as const,
      name: `${table}.foreign_key(${from})`,
      definition: [`FOREIGN KEY (${from}) REFERENCES ${first.table}${to}`, ...actions].filter(Boolean).join(' '),
    };
  });
}

function indexColumns(db: Database.Database, index: string): IndexColumnRow[] {
  return (db.prepare('SELECT seqno, cid, name, "desc", coll, "key" FROM pragma_index_xinfo(?)').all(index) as IndexColumnRow[])
    .filter((c) => c.key === 1)
    .sort((a, b) => a.seqno - b.seqno);
}

/**
 * `[UNIQUE ](keys)[ WHERE …]`: plain keys from `index_xinfo` (with DESC and a collation other than
 * BINARY); an index on expressions, or a partial one, as its stored SQL after the table name.
 */
function index(db: Database.Database, row: SchemaRow): SchemaObject {
  const list = (db.prepare('SELECT name, "unique", origin, partial FROM pragma_index_list(?)').all(row.tbl_name) as IndexListRow[]).find(
    (l) => l.name === row.name,
  );
  const keys = indexColumns(db, row.name);
  const unique = list?.unique ? 'UNIQUE ' : '';
  let definition: string;
  if (list?.partial || keys.some((k) => k.cid === -2) || row.sql === null) {
    definition = `${unique}${oneLine(afterTable(row.sql ?? ''))}`;
  } else {
    definition = `${unique}(${keys.map((k) => `${k.name}${k.coll !== 'BINARY' ? ` COLLATE ${k.coll}` : ''}${k.desc ? ' DESC' : ''}`).join(', ')})`;
  }
  return { kind: 'index', name: `${row.tbl_name}.${row.name}`, definition };
}

/** `<timing> <event> ON <table> … body sha256:…`: the header as written, the body as a hash. */
function trigger(row: SchemaRow): SchemaObject {
  const sql = row.sql ?? '';
  const tokens = tokenizeSqlite(sql);
  const begin = tokens.find((t) => t.kind === 'word' && t.value === 'BEGIN');
  const nameEnd = tokenEnd(sql, tokens[2]);
  const header = begin ? sql.slice(nameEnd, begin.offset) : sql.slice(nameEnd);
  const body = begin ? sql.slice(begin.offset) : '';
  return { kind: 'trigger', name: `${row.tbl_name}.${row.name}`, definition: oneLine(`${header.trim()} body ${bodyHash(body)}`) };
}

/** Where a token's text ends in `sql` (a quoted name ends at its closing quote). */
function tokenEnd(sql: string, token: SqliteToken | undefined): number {
  if (!token) return sql.length;
  if (token.kind === 'string' || token.kind === 'identifier') {
    const open = sql[token.offset]!;
    if (open === '[') return sql.indexOf(']', token.offset) + 1;
    let i = token.offset + 1;
    for (;;) {
      const j = sql.indexOf(open, i);
      if (j === -1) return sql.length;
      if (sql[j + 1] === open) i = j + 2;
      else return j + 1;
    }
  }
  return token.offset + token.value.length;
}

/** The text from the first top-level `word` on (or after it, when `prefix` replaces it). */
function afterWord(sql: string, word: string, prefix = ''): string {
  const token = tokenizeSqlite(sql).find((t) => t.kind === 'word' && t.value === word);
  return token ? `${prefix}${sql.slice(token.offset + word.length).trim()}` : sql;
}

/** `CREATE [UNIQUE] INDEX name ON table (…) WHERE …` → `(…) WHERE …`. */
function afterTable(sql: string): string {
  const tokens = tokenizeSqlite(sql);
  const on = tokens.findIndex((t) => t.kind === 'word' && t.value === 'ON');
  return on === -1 ? sql : sql.slice(tokenEnd(sql, tokens[on + 1])).trim();
}

/** `CREATE VIRTUAL TABLE name USING module(args)` → `USING module(args)`. */
function virtualModule(sql: string): string {
  return afterWord(sql, 'USING', 'USING ');
}

/** The balanced parenthesised text that starts at token `start` (an opening parenthesis). */
function parenthesised(sql: string, tokens: readonly SqliteToken[], start: number): { text: string; end: number } | null {
  let depth = 0;
  for (let i = start; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.kind !== 'punct') continue;
    if (t.value === '(') depth++;
    else if (t.value === ')' && --depth === 0) return { text: sql.slice(tokens[start]!.offset, t.offset + 1), end: i };
  }
  return null;
}

/** Every `CHECK (…)` of a table, column or table level, in the order written, one line each. */
function checkConstraints(sql: string): string[] {
  const tokens = tokenizeSqlite(sql);
  const checks: string[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.kind === 'word' && t.value === 'CHECK' && tokens[i + 1]?.value === '(') {
      const group = parenthesised(sql, tokens, i + 1);
      if (group) {
        checks.push(oneLine(group.text));
        i = group.end;
      }
    }
  }
  return [...new Set(checks)];
}

/** The expression of each generated column, by lower-cased column name (only the stored SQL has it). */
function generatedColumns(sql: string): Map<string, string> {
  const tokens = tokenizeSqlite(sql);
  const found = new Map<string, string>();
  for (let i = 0; i < tokens.length; i++) {
    if (tokens[i]!.value !== 'AS' || tokens[i + 1]?.value !== '(') continue;
    // The column's name is the first token after the nearest `(` or `,` at the table's top level.
    let j = i - 1;
    while (j > 0 && !(tokens[j]!.kind === 'punct' && (tokens[j]!.value === ',' || tokens[j]!.value === '('))) j--;
    const name = tokens[j + 1];
    const group = parenthesised(sql, tokens, i + 1);
    if (name && group) found.set(name.value.toLowerCase(), oneLine(group.text.slice(1, -1)));
  }
  return found;
}
