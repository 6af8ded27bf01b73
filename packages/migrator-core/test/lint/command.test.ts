import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, migrationFolder } from '@atlasai/test-kit';

const CLEAN = 'CREATE TABLE IF NOT EXISTS widgets (id bigint PRIMARY KEY);\n';
const WARNING = 'CREATE INDEX IF NOT EXISTS ix_users_email ON users (email);\n';
const ERROR = '-- remove the old flag\nALTER TABLE users DROP COLUMN legacy_flag;\n';

const DROP_LINE =
  ': error drop-column: drops column users.legacy_flag: dropping a column deletes its data and breaks older code that still selects it (forward-only: old code must keep working) [ALTER TABLE users DROP COLUMN legacy_flag] Safe alternative: stop writing the column and leave it in place; drop it only in a major release, with advance notice and an `-- atlas:allow` comment.';
const INDEX_LINE = (severity: string) =>
  `: ${severity} blocking-create-index: builds index ix_users_email on existing table users without CONCURRENTLY: a plain CREATE INDEX on an existing table blocks its writes for the whole build [CREATE INDEX IF NOT EXISTS ix_users_email ON users (email)] Safe alternative: build it with CREATE INDEX CONCURRENTLY IF NOT EXISTS in a \`-- atlas:no-transaction\` migration.`;

describe('atlas-migrate lint', () => {
  it('exits 0 on a clean folder', async () => {
    const dir = migrationFolder({ '001_widgets.postgres.sql': CLEAN, '001_widgets.sqlite.sql': CLEAN });
    const result = await cli(['lint', dir]);
    expect(result).toEqual({ code: 0, stdout: 'lint: 0 errors, 0 warnings, 0 allowances in 2 files\n', stderr: '' });
  });

  it('exits 1 on an error finding, one compiler-style line per finding', async () => {
    const dir = migrationFolder({ '001_widgets.sql': CLEAN, '002_drop.postgres.sql': ERROR, '002_drop.sqlite.sql': CLEAN });
    const file = join(dir, '002_drop.postgres.sql');
    const result = await cli(['lint', dir]);
    expect(result.stdout).toBe(`${file}:2:1${DROP_LINE}\nlint: 1 error, 0 warnings, 0 allowances in 3 files\n`);
    expect(result.code).toBe(1);
  });

  it('exits 0 on warnings alone, and 1 with --strict, where they print as errors', async () => {
    const dir = migrationFolder({ '003_index.postgres.sql': WARNING });
    const file = join(dir, '003_index.postgres.sql');
    expect(await cli(['lint', file])).toEqual({
      code: 0,
      stdout: `${file}:1:1${INDEX_LINE('warning')}\nlint: 0 errors, 1 warning, 0 allowances in 1 file\n`,
      stderr: '',
    });
    expect(await cli(['lint', '--strict', file])).toEqual({
      code: 1,
      stdout: `${file}:1:1${INDEX_LINE('error')}\nlint: 1 error, 0 warnings, 0 allowances in 1 file (strict)\n`,
      stderr: '',
    });
  });

  it('lists the allowances it honoured', async () => {
    const dir = migrationFolder({ '004_drop.postgres.sql': `-- atlas:allow drop-column 3.0 removes it, announced in 2.8\n${ERROR.split('\n')[1]}\n` });
    const file = join(dir, '004_drop.postgres.sql');
    const result = await cli(['lint', file]);
    expect(result.stdout).toBe(
      `${file}:2:1: note allowed drop-column: 3.0 removes it, announced in 2.8 [ALTER TABLE users DROP COLUMN legacy_flag] (allowance on line 1)\nlint: 0 errors, 0 warnings, 1 allowance in 1 file\n`,
    );
    expect(result.code).toBe(0);
  });

  it('prints the same as one JSON document with --json', async () => {
    const dir = migrationFolder({ '002_drop.postgres.sql': ERROR, '003_index.postgres.sql': WARNING });
    const result = await cli(['lint', dir, '--json']);
    expect(result.code).toBe(1);
    const document = JSON.parse(result.stdout);
    expect(document.ok).toBe(false);
    expect(document.strict).toBe(false);
    expect(document.summary).toEqual({ files: 2, errors: 1, warnings: 1, allowances: 0 });
    expect(document.allowances).toEqual([]);
    expect(
      document.findings.map((f: { rule: string; severity: string; file: string; line: number; column: number; statement: string }) => [
        f.rule,
        f.severity,
        f.file,
        f.line,
        f.column,
        f.statement,
      ]),
    ).toEqual([
      ['drop-column', 'error', join(dir, '002_drop.postgres.sql'), 2, 1, 'ALTER TABLE users DROP COLUMN legacy_flag'],
      ['blocking-create-index', 'warning', join(dir, '003_index.postgres.sql'), 1, 1, 'CREATE INDEX IF NOT EXISTS ix_users_email ON users (email)'],
    ]);
    expect(document.findings[0].alternative).toBe(
      'stop writing the column and leave it in place; drop it only in a major release, with advance notice and an `-- atlas:allow` comment',
    );
  });

  it('exits 2 on a missing file, an empty folder, no path or an unknown flag', async () => {
    const missing = await cli(['lint', '/nonexistent/001_x.sql']);
    expect(missing.code).toBe(2);
    expect(missing.stdout).toBe('');
    expect(missing.stderr).toBe("atlas-migrate: Cannot lint /nonexistent/001_x.sql: ENOENT: no such file or directory, stat '/nonexistent/001_x.sql'\n");
    const empty = migrationFolder({});
    expect(await cli(['lint', empty])).toEqual({
      code: 2,
      stdout: '',
      stderr: `atlas-migrate: Cannot lint ${empty}: the folder holds no .sql file\n`,
    });
    const none = await cli(['lint']);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/^atlas-migrate: missing required argument 'paths'\n/);
    const flag = await cli(['lint', '--fix', empty]);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toMatch(/^atlas-migrate: unknown option '--fix'/);
  });
});
