import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * The dialect boundary: in src/, only `dialects/` (and the linter's per-dialect rules) may name
 * PostgreSQL or SQLite in code: import a driver or a dialect's own modules, branch on a dialect, or
 * write SQL only one of them speaks. Messages and help text may name them; comments are not read.
 */
const src = resolve(dirname(fileURLToPath(import.meta.url)), '../src');

/** Where dialect code belongs. */
const ALLOWED = [/^dialects\//, /^lint\/(postgres|sqlite)-[a-z-]+\.ts$/, /^lint\/plpgsql\.ts$/];

/**
 * Code outside the boundary that still names a dialect, each with why it has not moved yet. The test
 * fails when a file not listed here names a dialect, and when a listed one no longer does (take it off).
 */
const NOT_YET_MOVED: Record<string, string> = {
  'lint/lint-files.ts': "the linter's dispatch: which dialect's rules a file gets from its name",
  'lint/rules.ts': "the linter's rule table, each rule with the dialects it applies to (SQL in the advice texts)",
};

const PATTERNS: readonly { what: string; pattern: RegExp }[] = [
  { what: 'imports a driver or parser', pattern: /from\s+['"](pg|better-sqlite3|libpg-query)['"]|import\(\s*['"](pg|better-sqlite3|libpg-query)['"]/ },
  { what: "imports a dialect's own module", pattern: /from\s+['"][./]*dialects\/(postgres|sqlite)\// },
  { what: 'branches on a dialect', pattern: /[=!]==\s*['"](postgres|sqlite)['"]|['"](postgres|sqlite)['"]\s*[=!]==/ },
  { what: 'speaks one dialect’s SQL', pattern: /\bPRAGMA\b|\bsqlite_master\b|\bpg_[a-z_]+\b|BEGIN IMMEDIATE|\bpg_catalog\b/ },
];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** The file's code: lines that are comments (`//`, `/*`, ` *`) left out. */
function codeOf(text: string): string {
  return text
    .split('\n')
    .filter((line) => !/^\s*(\/\/|\/\*|\*)/.test(line))
    .join('\n');
}

function offenders(): Record<string, string[]> {
  const found: Record<string, string[]> = {};
  for (const file of sourceFiles(src)) {
    const name = relative(src, file).split('\\').join('/');
    if (ALLOWED.some((allowed) => allowed.test(name))) continue;
    const code = codeOf(readFileSync(file, 'utf8'));
    const what = PATTERNS.filter(({ pattern }) => pattern.test(code)).map((p) => p.what);
    if (what.length > 0) found[name] = what;
  }
  return found;
}

describe('the dialect boundary', () => {
  it('outside dialects/ and the per-dialect lint rules, no code names PostgreSQL or SQLite (but the files listed as not moved yet)', () => {
    expect(Object.keys(offenders()).sort()).toEqual(Object.keys(NOT_YET_MOVED).sort());
  });

  it('reads code, not comments, and finds each kind of naming', () => {
    expect(codeOf('// PRAGMA foreign_keys\n * pg_locks\nconst a = 1;')).toBe('const a = 1;');
    const samples = [
      "import pg from 'pg';",
      "import { x } from '../dialects/sqlite/lexer.js';",
      "if (kind === 'postgres') {}",
      "db.exec('PRAGMA foreign_keys = OFF');",
    ];
    expect(samples.map((s) => PATTERNS.filter(({ pattern }) => pattern.test(s)).length)).toEqual([1, 1, 1, 1]);
  });
});
