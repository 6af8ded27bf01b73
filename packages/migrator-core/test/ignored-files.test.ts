import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadRegistryFromDir, type Logger } from '../src/index.js';
import { cli, DIALECTS, migrationFolder } from '@atlasai/test-kit';

/** Names the engine does not read but that look like migrations: each is warned about. */
const WARNED = ['0002_second.SQL', '0003_third.sql.bak', '0004_fourth.sql~', '0005_fifth.txt', 'add_users.Sql'];
/** Names that are plainly not migrations: passed over without a word. */
const SILENT = ['README.md', 'package.json', 'notes.txt', '.gitkeep', '.DS_Store', '.0006_sixth.sql.swp'];

function folderWithStrays(): string {
  const dir = migrationFolder({ '001_first.sql': 'CREATE TABLE IF NOT EXISTS first_table (id integer);\n' });
  for (const name of [...WARNED, ...SILENT]) writeFileSync(join(dir, name), 'CREATE TABLE IF NOT EXISTS stray (id integer);\n');
  mkdirSync(join(dir, '0007_seventh'));
  return dir;
}

describe('files a migration folder holds that the engine will not read', () => {
  it('lint of a folder names every file not read on stderr, as up does, and lints the rest', async () => {
    const dir = folderWithStrays();
    const result = await cli(['lint', dir]);
    expect(result.code, result.stderr).toBe(0);
    const warned = result.stderr.split('\n').filter((line) => line.startsWith('atlas-migrate: warning: Not a migration, not run: '));
    expect(warned.map((line) => /not run: (\S+) in /.exec(line)![1])).toEqual([...WARNED, '0007_seventh'].sort());
    for (const name of SILENT) expect(result.stderr).not.toContain(name);
  });

  it('the loader warns about each look-alike by name, once, and about nothing else', async () => {
    const dir = folderWithStrays();
    const warnings: { message: string; fields?: Record<string, unknown> }[] = [];
    const logger: Logger = { debug() {}, info() {}, error() {}, warn: (message, fields) => void warnings.push({ message, ...(fields ? { fields } : {}) }) };
    const registry = await loadRegistryFromDir(dir, { plane: 'demo', logger });
    expect(registry.migrations.map((m) => m.version)).toEqual([1]);
    expect(warnings.map((w) => w.fields?.file)).toEqual([...WARNED, '0007_seventh'].sort());
    expect(warnings.find((w) => w.fields?.file === '0002_second.SQL')?.message).toBe(
      `Not a migration, not run: 0002_second.SQL in ${dir} (the extension must be lower-case .sql; migrations are named <version>_<name>.sql, .postgres.sql or .sqlite.sql)`,
    );
    expect(warnings.find((w) => w.fields?.file === '0007_seventh')?.message).toContain(
      'it is a folder; only the files directly inside the migration folder are read',
    );
  });

  describe.each(DIALECTS)('through the CLI on $name', ({ create }) => {
    it('plan and up name every file not read on stderr, run the rest, and stay quiet about README.md, package.json and dotfiles', async () => {
      const db = await create();
      try {
        const dir = folderWithStrays();
        for (const command of ['plan', 'up']) {
          const result = await cli([command, '--url', db.url, '--dir', dir]);
          expect(result.code).toBe(0);
          for (const name of [...WARNED, '0007_seventh']) expect(result.stderr.split('\n').filter((line) => line.includes(name))).toHaveLength(1);
          for (const name of SILENT) expect(result.stderr).not.toContain(name);
        }
        expect((await db.query<{ version: number | string }>('SELECT version FROM schema_migrations')).map((r) => Number(r.version))).toEqual([1]);
        expect(await db.tableExists('stray')).toBe(false);
      } finally {
        await db.drop();
      }
    });
  });
});
