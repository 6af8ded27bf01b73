import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { cli, migrationFolder } from '@atlasai/test-kit';

const CLEAN = 'CREATE TABLE IF NOT EXISTS widgets (id integer PRIMARY KEY);\n';
const WARNING = 'CREATE INDEX IF NOT EXISTS ix_users_email ON users (email);\n';
const ERROR = 'ALTER TABLE users DROP COLUMN legacy_flag;\n';

/** A registry package in a temporary folder: its manifest and a `sql/` folder with one migration. */
function registryPackage(): string {
  const pkg = migrationFolder({});
  writeFileSync(join(pkg, 'package.json'), JSON.stringify({ name: 'demo-migrations', atlasMigrations: { plane: 'demo', range: { min: 2001, max: 2099 } } }));
  mkdirSync(join(pkg, 'sql'));
  writeFileSync(join(pkg, 'sql', '2001_widgets.sql'), CLEAN);
  return join(pkg, 'sql');
}

const TEMPLATE_LINE = (file: string, dialect: string) =>
  `${file}:1:1: error untouched-template: a migration that only holds the comments it was created with: the file is still exactly what \`atlas-migrate new\` wrote: it does nothing, yet once applied it is recorded and its checksum frozen, so the change it was made for would need another version [-- 2002 add_gadgets (${dialect})] Safe alternative: write the migration in it, or delete the new pair of files.`;

describe('a migration still exactly as `new` wrote it', () => {
  it('is an error finding of lint, refused by up from a registry folder, and fine once written', async () => {
    const sql = registryPackage();
    expect((await cli(['new', 'add_gadgets', '--dir', sql])).code).toBe(0);
    const pg = join(sql, '2002_add_gadgets.postgres.sql');
    const lite = join(sql, '2002_add_gadgets.sqlite.sql');

    const lint = await cli(['lint', sql]);
    expect(lint).toEqual({
      code: 1,
      stderr: '',
      stdout: `${TEMPLATE_LINE(pg, 'PostgreSQL')}\n${TEMPLATE_LINE(lite, 'SQLite')}\nlint: 2 errors, 0 warnings, 0 allowances in 3 files\n`,
    });

    const db = join(sql, '..', 'demo.db');
    const up = await cli(['up', '--dir', sql, '--url', `sqlite:${db}`]);
    expect(up.code).toBe(2);
    expect(up.stdout).toContain('[DEMO] Error: REGISTRY_INVALID: A pending migration breaks the lint that this registry');
    expect(up.stdout).toContain('2002_add_gadgets.sqlite.sql:1:1: untouched-template: ');
    expect(up.stdout).not.toContain('Applied');
    // The way out it names is the rule's own: an untouched template takes no allowance, so none is suggested.
    expect(up.stdout).toContain('Write the migration in it, or delete the new pair of files (rule: untouched-template; no allowance lets it through)');
    expect(up.stdout).not.toContain('atlas:allow');

    // Written: the header stays, a statement follows; the pair lints clean and applies.
    for (const file of [pg, lite]) writeFileSync(file, `${readFileSync(file, 'utf8')}CREATE TABLE IF NOT EXISTS gadgets (id integer PRIMARY KEY);\n`);
    expect((await cli(['lint', sql])).code).toBe(0);
    const applied = await cli(['up', '--dir', sql, '--url', `sqlite:${db}`]);
    expect(applied.code, applied.stderr).toBe(0);
    const history = new Database(db, { readonly: true });
    expect(history.prepare('SELECT version FROM schema_migrations ORDER BY version').all()).toEqual([{ version: 2001 }, { version: 2002 }]);
    history.close();
  });

  it('other comment-only files stay allowed: a header edited by one word is no finding', async () => {
    const sql = registryPackage();
    await cli(['new', 'add_gadgets', '--dir', sql]);
    const file = join(sql, '2002_add_gadgets.sqlite.sql');
    writeFileSync(file, readFileSync(file, 'utf8').replace('What this migration adds, and why.', 'Nothing yet: reserved for the gadgets table.'));
    const lint = await cli(['lint', file]);
    expect(lint.code).toBe(0);
    expect(lint.stdout).toBe('lint: 0 errors, 0 warnings, 0 allowances in 1 file\n');
  });
});

describe('atlas-migrate lint --summary (the registries’ builds)', () => {
  it('known warnings are one line, counted by rule, with the command that lists them', async () => {
    const dir = migrationFolder({ '001_a.postgres.sql': WARNING, '002_b.postgres.sql': WARNING.replace(/email/g, 'name') });
    expect(await cli(['lint', '--summary', dir])).toEqual({
      code: 0,
      stderr: '',
      stdout: `lint: 0 errors, 2 warnings (blocking-create-index: 2), 0 allowances in 2 files; atlas-migrate lint ${dir} lists them\n`,
    });
  });

  it('an error is printed in full above the summary line, never buried among the warnings', async () => {
    const dir = migrationFolder({ '001_a.postgres.sql': WARNING, '002_b.postgres.sql': ERROR });
    const result = await cli(['lint', '--summary', dir]);
    expect(result.code).toBe(1);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(new RegExp(`^${join(dir, '002_b.postgres.sql')}:1:1: error drop-column: `));
    expect(lines[1]).toBe(`lint: 1 error, 1 warning (blocking-create-index: 1), 0 allowances in 2 files; atlas-migrate lint ${dir} lists them`);
  });

  it('with nothing but clean files it prints what lint prints', async () => {
    const dir = migrationFolder({ '001_a.postgres.sql': CLEAN });
    expect((await cli(['lint', '--summary', dir])).stdout).toBe('lint: 0 errors, 0 warnings, 0 allowances in 1 file\n');
  });
});
