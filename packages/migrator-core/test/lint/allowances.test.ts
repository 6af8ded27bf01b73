import { describe, expect, it } from 'vitest';
import { lintMigrations } from '@atlasai/migrator-core';

const lint = (sql: string, file = 'm.postgres.sql') => lintMigrations([{ file, sql }]);
const rules = (result: Awaited<ReturnType<typeof lint>>) => result.findings.map((f) => `${f.rule}@${f.line}`).sort();

describe('-- atlas:allow', () => {
  it('lets the one finding on the next statement through, and is listed with its reason', async () => {
    const result = await lint(
      '-- 3.0: legacy_flag announced for removal in the 2.8 release notes\n-- atlas:allow drop-column removed in major release 3.0\nALTER TABLE users DROP COLUMN legacy_flag;\nALTER TABLE users DROP COLUMN other_flag;\n',
    );
    expect(rules(result)).toEqual(['drop-column@4']);
    expect(result.allowances).toEqual([
      {
        rule: 'drop-column',
        file: 'm.postgres.sql',
        line: 2,
        statementLine: 3,
        statement: 'ALTER TABLE users DROP COLUMN legacy_flag',
        reason: 'removed in major release 3.0',
      },
    ]);
  });

  it('stacks: one line per rule directly above the statement', async () => {
    const result = await lint(
      '-- atlas:allow drop-column 3.0 removes the old address\n-- atlas:allow rename-column 3.0 renames the new one\nALTER TABLE users DROP COLUMN address;\nALTER TABLE users RENAME COLUMN address2 TO address;\n',
    );
    expect(rules(result)).toEqual(['rename-column@4', 'useless-allowance@2']);
  });

  it('without a reason is an error and lets nothing through', async () => {
    const result = await lint('-- atlas:allow drop-table\nDROP TABLE legacy;\n');
    expect(rules(result)).toEqual(['allowance-without-reason@1', 'drop-table@2']);
    expect(result.findings[0]!.message).toBe(
      'the allowance for drop-table gives no reason: an `-- atlas:allow` comment must name a rule and give the reason the removal is acceptable',
    );
    expect(result.allowances).toEqual([]);
  });

  it('without a rule is an error', async () => {
    expect(rules(await lint('--atlas:allow\nCREATE TABLE IF NOT EXISTS t (id int);\n'))).toEqual(['allowance-without-reason@1']);
  });

  it('that allows nothing, names an unknown rule, or is not directly above is an error', async () => {
    expect(rules(await lint('-- atlas:allow drop-table no longer needed\nCREATE TABLE IF NOT EXISTS t (id int);\n'))).toEqual(['useless-allowance@1']);
    expect(rules(await lint('-- atlas:allow drop-tables typo in the rule id\nDROP TABLE legacy;\n'))).toEqual(['drop-table@2', 'useless-allowance@1']);
    expect(rules(await lint('-- atlas:allow drop-table the blank line breaks the link\n\nDROP TABLE legacy;\n'))).toEqual([
      'drop-table@3',
      'useless-allowance@1',
    ]);
    expect(rules(await lint('-- atlas:allow drop-column the wrong rule\nDROP TABLE legacy;\n'))).toEqual(['drop-table@2', 'useless-allowance@1']);
  });

  it('cannot let a syntax error through', async () => {
    expect(rules(await lint('-- atlas:allow syntax-error it parses on my machine\nCREATE TABLE (;\n'))).toEqual(['syntax-error@2', 'useless-allowance@1']);
  });

  it('works inside a DO block, before the hidden statement or before the DO', async () => {
    const inside = await lint('DO $$\nBEGIN\n    -- atlas:allow drop-table 3.0 retires the old queue\n    DROP TABLE legacy_queue;\nEND\n$$;\n');
    expect(rules(inside)).toEqual([]);
    expect(inside.allowances.map((a) => [a.line, a.statementLine])).toEqual([[3, 4]]);
    const before = await lint('-- atlas:allow drop-table 3.0 retires the old queue\nDO $$\nBEGIN\n    DROP TABLE legacy_queue;\nEND\n$$;\n');
    expect(rules(before)).toEqual([]);
    expect(before.allowances.map((a) => [a.line, a.statementLine])).toEqual([[1, 4]]);
  });

  it('works in SQLite files, for the table-rebuild pattern', async () => {
    const sql = [
      'CREATE TABLE IF NOT EXISTS users_new (id INTEGER PRIMARY KEY);',
      'INSERT INTO users_new (id) SELECT id FROM users;',
      '-- atlas:allow table-rebuild 3.0 drops the email column on SQLite',
      'DROP TABLE users;',
      'ALTER TABLE users_new RENAME TO users;',
      '',
    ].join('\n');
    const result = await lint(sql, 'm.sqlite.sql');
    expect(rules(result)).toEqual([]);
    expect(result.allowances.map((a) => `${a.rule}@${a.statementLine}`)).toEqual(['table-rebuild@4']);
  });

  it('can let a warning through, so --strict passes', async () => {
    const sql =
      '-- atlas:allow blocking-create-index users is small, built in the maintenance window\nCREATE INDEX IF NOT EXISTS ix_users_email ON users (email);\n';
    const result = await lintMigrations([{ file: 'm.postgres.sql', sql }], { strict: true });
    expect(result.ok).toBe(true);
    expect(result.findings).toEqual([]);
  });
});
