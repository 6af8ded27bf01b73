import { createHash } from 'node:crypto';
import { migrationsFromFiles, normalizeSql } from '@atlasai/migrator-core';
import { describe, expect, it } from 'vitest';
import { locateInText, locateStatements } from '../src/dialect.js';
import { splitPostgresScript } from '../src/dialects/postgres/statements.js';
import { splitSqliteScript } from '../src/dialects/sqlite/script.js';
import { parsePgScript, pieceEnds } from '../src/dialects/postgres/parser.js';

/**
 * The faster paths (docs/benchmarks.md) compute exactly what the slower ones did: the same checksums, the same
 * statements at the same lines and columns, whether a file is parsed whole or in pieces. (How fast they
 * are is measured by `pnpm bench`, not here.)
 */

/** normalizeSql as it was written before the speed work, line by line. */
function normalizeByLines(sql: string): string {
  return sql
    .replace(/^\uFEFF/, '')
    .replace(/\r\n?/g, '\n')
    .split('\n')
    .map((line) => line.replace(/[ \t\f\v]+$/, ''))
    .join('\n')
    .replace(/\n+$/, '');
}

describe('checksums', () => {
  it('normalises exactly as the line-by-line version did', () => {
    const samples = [
      '',
      '\uFEFFSELECT 1;  \r\n\r\n',
      'a \t\n\v\fb\f\n\n\n',
      'CREATE TABLE t (x int);\r\r\n  \n',
      'x\u2028 \ny \u00a0\n',
      '\n\n  \n',
      'trailing spaces at the end   ',
      '-- atlas:no-transaction  \r\nCREATE INDEX CONCURRENTLY i ON t (x);\t\r\n',
    ];
    // And random mixes of the characters normalisation cares about.
    let seed = 7;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const alphabet = ['a', ' ', '\t', '\n', '\r', '\r\n', '\f', '\v', '\u00a0', '\uFEFF', 'é', ';'];
    for (let i = 0; i < 500; i++)
      samples.push(Array.from({ length: Math.floor(random() * 30) }, () => alphabet[Math.floor(random() * alphabet.length)]).join(''));
    for (const sample of samples) expect(normalizeSql(sample)).toBe(normalizeByLines(sample));
  });

  it('a precomputed checksum of another algorithm is ignored: the text is hashed again', () => {
    const [migration] = migrationsFromFiles([
      { fileName: '1_a.sql', text: 'SELECT 1;\n', precomputed: { checksum: 'x', checksumAlgorithm: 'md5-v0', transactional: false } },
    ]);
    expect(migration!.scripts.postgres.checksum).toBe(createHash('sha256').update('SELECT 1;').digest('hex'));
    expect(migration!.scripts.postgres.transactional).toBe(true);
  });

  it('still refuses another tool’s directive with its line, after the rewrite', () => {
    expect(() => migrationsFromFiles([{ fileName: '1_a.sql', text: 'SELECT 1;\n\n \u00a0-- migrate:down\nDROP TABLE t;\n' }])).toThrow(
      /line 3: "-- migrate:down" is dbmate's down section/,
    );
  });
});

describe('statement location', () => {
  it('places statements where counting from the file’s start for each one (the quadratic way) does', () => {
    const text = 'SELECT 1;\n  -- c\n  SELECT 2; SELECT 3;\n\n/* x\n y */ SELECT 4;';
    const chunks = [
      { text: 'SELECT 1', offset: 0 },
      { text: '\n  -- c\n  SELECT 2', offset: 9 },
      { text: ' SELECT 3', offset: 27 },
      { text: '\n\n/* x\n y */ SELECT 4', offset: 37 },
    ];
    const located = locateStatements(text, chunks);
    expect(located.map((s) => [s.line, s.column])).toEqual(
      chunks.map((c) => {
        const skip = c.text.search(/SELECT/);
        const at = locateInText(text, c.offset + skip);
        return [at.line, at.column];
      }),
    );
  });

  it('SQLite: a 2 MB script splits into the statements, lines and columns of its parts', () => {
    const part =
      "CREATE TABLE IF NOT EXISTS t (x text);\nINSERT INTO t VALUES ('é; ünïcode');\nCREATE TRIGGER tr AFTER INSERT ON t BEGIN SELECT CASE WHEN 1 THEN 1 END; END;\n";
    const big = part.repeat(20_000);
    const statements = splitSqliteScript(big);
    expect(statements).toHaveLength(60_000);
    const last = statements.at(-1)!;
    expect(last.line).toBe(60_000);
    expect(last.column).toBe(1);
    expect(last.text).toBe('CREATE TRIGGER tr AFTER INSERT ON t BEGIN SELECT CASE WHEN 1 THEN 1 END; END');
  });
});

describe('PostgreSQL parsing in pieces', () => {
  const tricky = [
    'CREATE TABLE t (x text CHECK (x ~ \'^a;b$\'), "we;ird" int);',
    "INSERT INTO t (x) VALUES (E'it\\'s; escaped'), ('doubled '';'' quotes'), (U&'\\0041;');",
    'CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $body$ BEGIN PERFORM 1; RETURN NEW; END $body$;',
    "DO $$ BEGIN RAISE NOTICE 'x;y'; END $$;",
    '/* a /* nested; */ comment; */ SELECT 1;',
    '-- a comment; with a semicolon\nSELECT $1::int, a$b$c FROM (SELECT 1 AS a$b$c) s;',
    'CREATE FUNCTION g() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT 2; END;',
    "SELECT 'ünïcode — ✓ 𝄞';",
  ];
  const script = Array.from({ length: 60 }, (_, i) => tricky[i % tricky.length]).join('\n');

  it('cuts only after a semicolon that ends a statement, or where the parser then merges', () => {
    const ends = pieceEnds(script, 50);
    expect(ends.at(-1)).toBe(script.length);
    for (const end of ends.slice(0, -1)) expect(script[end - 1]).toBe(';');
  });

  it('finds the same statements at the same places whole or in pieces of any size', async () => {
    const whole = await parsePgScript(script, Number.MAX_SAFE_INTEGER);
    expect(whole).toHaveLength(60);
    for (const size of [1, 40, 200, 1000]) {
      const pieces = await parsePgScript(script, size);
      expect(pieces.map((s) => [s.start, s.end, script.slice(s.start, s.end)])).toEqual(whole.map((s) => [s.start, s.end, script.slice(s.start, s.end)]));
      // The trees' own `location` fields count from the start of the piece; the engine reads none of them.
      const tree = (s: { stmt: unknown }) => JSON.stringify(s.stmt, (key, value: unknown) => (key === 'location' ? undefined : value));
      expect(whole.filter((s) => s.stmt?.CreateStmt).length).toBeGreaterThan(0);
      expect(pieces.map(tree)).toEqual(whole.map(tree));
    }
  });

  it('a BEGIN ATOMIC body spanning dozens of pieces is merged back (1, 2, 4, … pieces) and found whole', async () => {
    const body = Array.from({ length: 2000 }, (_, i) => `  SELECT ${i} AS "value; ${i}";`).join('\n');
    const script = `CREATE TABLE a (id int);\nCREATE FUNCTION h() RETURNS int LANGUAGE sql\nBEGIN ATOMIC\n${body}\nEND;\nCREATE TABLE b (id int);\n`;
    expect(script.length).toBeGreaterThan(60_000);
    const statements = await parsePgScript(script);
    expect(statements.map((s) => Object.keys(s.stmt!)[0])).toEqual(['CreateStmt', 'CreateFunctionStmt', 'CreateStmt']);
    expect(script.slice(statements[1]!.start, statements[1]!.end)).toBe(`CREATE FUNCTION h() RETURNS int LANGUAGE sql\nBEGIN ATOMIC\n${body}\nEND`);
  });

  it('reports a syntax error in a later piece at its line and column in the file', async () => {
    const broken = `${script}\nSELEC 1;\n${script}`;
    const line = script.split('\n').length + 1;
    // PostgreSQL's error cursor counts characters: after 'ünïcode — ✓ 𝄞' the column is still exact.
    for (const size of [Number.MAX_SAFE_INTEGER, 100]) {
      await expect(parsePgScript(broken, size)).rejects.toMatchObject({ message: 'syntax error at or near "SELEC"', line, column: 1, statementIndex: null });
    }
  });

  it('a file over 256 KiB is parsed in pieces and split into its statements with exact lines, columns and text', async () => {
    const row = (i: number) => `(${i}, 'ünïcode ✓ row ${i}; with a semicolon')`;
    const statement = (k: number) => `INSERT INTO big (id, label) VALUES\n  ${Array.from({ length: 50 }, (_, r) => row(k * 50 + r)).join(',\n  ')};\n`;
    const parts = ['CREATE TABLE big (id bigint PRIMARY KEY, label text);\n'];
    for (let k = 0; parts.join('').length < 600_000; k++) parts.push(statement(k));
    const sql = parts.join('');
    const statements = await splitPostgresScript(sql);
    expect(statements).toHaveLength(parts.length);
    let line = 1;
    for (const [i, s] of statements.entries()) {
      expect(s.line).toBe(line);
      expect(s.column).toBe(1);
      expect(`${s.text};\n`).toBe(parts[i]);
      line += parts[i]!.split('\n').length - 1;
    }
  });
});
