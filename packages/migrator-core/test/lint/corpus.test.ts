import { describe, expect, it } from 'vitest';
import { LINT_RULES, lintMigrations } from '@atlasai/migrator-core';
import { SNIPPETS, SQLITE_SNIPPETS, POSTGRES_SNIPPETS } from './corpus.js';

async function findingsOf(sql: string, dialect: 'postgres' | 'sqlite'): Promise<string[]> {
  const result = await lintMigrations([{ file: `snippet.${dialect}.sql`, sql, dialects: [dialect] }]);
  return result.findings.map((f) => `${f.rule}@${f.line}:${f.column}`).sort();
}

describe('the snippet corpus', () => {
  it('holds at least 40 snippets, safe and unsafe, in both dialects', () => {
    expect(SNIPPETS.length).toBeGreaterThanOrEqual(40);
    expect(POSTGRES_SNIPPETS.some((s) => s.expected.length === 0)).toBe(true);
    expect(SQLITE_SNIPPETS.some((s) => s.expected.length === 0)).toBe(true);
    expect(new Set(SNIPPETS.map((s) => s.name)).size).toBe(SNIPPETS.length);
  });

  it('exercises every rule that a statement can break', () => {
    const exercised = new Set(SNIPPETS.flatMap((s) => s.expected.map((e) => e.split('@')[0])));
    // untouched-template is about a whole file's text, not a statement: its own test is in lint/new-template.test.ts.
    const statementRules = LINT_RULES.map((r) => r.id).filter(
      (id) => id !== 'allowance-without-reason' && id !== 'useless-allowance' && id !== 'untouched-template',
    );
    expect(statementRules.filter((id) => !exercised.has(id))).toEqual([]);
  });

  it.each(SNIPPETS)('$dialect: $name', async (snippet) => {
    expect(await findingsOf(snippet.sql, snippet.dialect)).toEqual([...snippet.expected].sort());
  });
});

describe('findings', () => {
  it('carry rule, severity, file, position, the statement’s first line, why and the safe alternative', async () => {
    const result = await lintMigrations([{ file: 'sql/2019_x.postgres.sql', sql: '-- x\nALTER TABLE users\n  DROP COLUMN email;\n' }]);
    expect(result.ok).toBe(false);
    expect(result.findings).toEqual([
      {
        rule: 'drop-column',
        severity: 'error',
        file: 'sql/2019_x.postgres.sql',
        line: 2,
        column: 1,
        statement: 'ALTER TABLE users',
        message:
          'drops column users.email: dropping a column deletes its data and breaks older code that still selects it (forward-only: old code must keep working)',
        alternative: 'stop writing the column and leave it in place; drop it only in a major release, with advance notice and an `-- atlas:allow` comment',
      },
    ]);
  });

  it('are warnings unless strict, and a warning alone leaves the result ok', async () => {
    const sql = 'CREATE INDEX IF NOT EXISTS ix_users_email ON users (email);\n';
    const normal = await lintMigrations([{ file: 'a.postgres.sql', sql }]);
    expect(normal.findings.map((f) => [f.rule, f.severity])).toEqual([['blocking-create-index', 'warning']]);
    expect(normal.ok).toBe(true);
    const strict = await lintMigrations([{ file: 'a.postgres.sql', sql }], { strict: true });
    expect(strict.findings.map((f) => [f.rule, f.severity])).toEqual([['blocking-create-index', 'error']]);
    expect(strict.ok).toBe(false);
  });

  it('of a plain .sql file come from both linters, a shared problem once', async () => {
    const result = await lintMigrations([{ file: '0001_x.sql', sql: 'DROP TABLE widgets;\nCREATE TABLE IF NOT EXISTS t (id int);\n' }]);
    expect(result.findings.map((f) => `${f.rule}@${f.line}`)).toEqual(['drop-table@1']);
  });

  it('of a SQLite-only syntax in a plain .sql file include the PostgreSQL parse error', async () => {
    const result = await lintMigrations([{ file: '0001_x.sql', sql: 'CREATE VIRTUAL TABLE IF NOT EXISTS f USING fts5(body);\n' }]);
    expect(result.findings.map((f) => `${f.rule}@${f.line}`)).toEqual(['syntax-error@1']);
  });
});
