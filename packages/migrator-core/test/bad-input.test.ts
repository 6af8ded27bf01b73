import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defineRegistryFromFiles, type MigrationFile } from '../src/index.js';
import { embedSqlPlugin } from '../src/embed-sql.js';
import { cli, DIALECTS, migrationFolder, type TestDatabase } from '@atlasai/test-kit';

const FIRST = 'CREATE TABLE first_table (id integer PRIMARY KEY);\n';
const BEFORE_NUL = 'CREATE TABLE kept (id integer);\n';
/** A NUL between two statements: PostgreSQL would drop the second, and the run would exit 0. */
const WITH_NUL = `${BEFORE_NUL}\0CREATE TABLE lost (id integer);\n`;
const NUL_OFFSET = Buffer.byteLength(BEFORE_NUL);

async function historyRows(db: TestDatabase): Promise<number> {
  if (!(await db.tableExists('schema_migrations'))) return 0;
  return (await db.query('SELECT version FROM schema_migrations')).length;
}

describe.each(DIALECTS)('a NUL byte in a migration file, on $name', ({ name, create }) => {
  let db: TestDatabase;
  beforeEach(async () => {
    db = await create();
  });
  afterEach(async () => {
    await db.drop();
  });

  for (const command of ['up', 'plan'] as const) {
    it(`${command}: refused before anything runs, naming the file and the byte offset, exit 2`, async () => {
      const dir = migrationFolder({ '001_first.sql': FIRST, '002_second.sql': WITH_NUL });
      const result = await cli([command, '--url', db.url, '--dir', dir]);
      expect(result).toEqual({
        code: 2,
        stdout: '',
        stderr: `atlas-migrate: Invalid migration file 002_second.sql: a NUL byte (0x00) at byte offset ${NUL_OFFSET}; the database would silently drop the SQL after it. Remove it: a migration is text\n`,
      });
      expect(await historyRows(db)).toBe(0);
      expect(await db.tableExists('first_table')).toBe(false);
      expect(await db.tableExists('kept')).toBe(false);
    });
  }

  it("up: a NUL in the dialect's own file is refused too; the offset counts a byte order mark and multi-byte characters", async () => {
    const text = `\uFEFF-- café\n${WITH_NUL}`;
    const dir = migrationFolder({
      '001_first.sql': FIRST,
      [`002_second.${name}.sql`]: text,
      [`002_second.${name === 'postgres' ? 'sqlite' : 'postgres'}.sql`]: FIRST.replace('first_table', 'other'),
    });
    const result = await cli(['up', '--url', db.url, '--dir', dir]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      `Invalid migration file 002_second.${name}.sql: a NUL byte (0x00) at byte offset ${Buffer.byteLength(text.slice(0, text.indexOf('\0')))};`,
    );
    expect(await historyRows(db)).toBe(0);
    expect(await db.tableExists('first_table')).toBe(false);
  });
});

describe('a NUL byte, outside a run', () => {
  it('lint: refused naming the file and the byte offset, exit 2, as invalid UTF-8 is', async () => {
    const dir = migrationFolder({ '001_first.sql': FIRST, '002_second.sql': WITH_NUL });
    writeFileSync(join(dir, '003_third.sql'), Buffer.from([0x53, 0x45, 0xff]));
    const nul = await cli(['lint', dir]);
    expect(nul.code).toBe(2);
    expect(nul.stdout).toBe('');
    // One line, whichever prefix the command program gives it.
    expect(nul.stderr).toMatch(/^atlas-migrate(?: lint)?: [^\n]+\n$/);
    expect(nul.stderr).toContain(
      `: Invalid migration file ${join(dir, '002_second.sql')}: a NUL byte (0x00) at byte offset ${NUL_OFFSET}; the database would silently drop the SQL after it. Remove it: a migration is text\n`,
    );
    // Lint used to read 0xff as U+FFFD and lint the rest; it now refuses the file as a run does.
    writeFileSync(join(dir, '002_second.sql'), FIRST.replace('first_table', 'second_table'));
    const utf8 = await cli(['lint', dir]);
    expect(utf8.code).toBe(2);
    expect(utf8.stderr).toContain(`Invalid migration file ${join(dir, '003_third.sql')}: not valid UTF-8 at byte offset 2 (bytes ff)`);
  });

  it("the build's embedding refuses it, so no registry (and no schema snapshot made from one) can carry it", async () => {
    const dir = migrationFolder({ '001_first.sql': FIRST, '002_second.sql': WITH_NUL });
    let load: (() => Promise<unknown>) | undefined;
    embedSqlPlugin(dir).setup({ onResolve() {}, onLoad: (_options, callback) => void (load = callback) });
    await expect(load!()).rejects.toMatchObject({
      code: 'REGISTRY_INVALID',
      file: '002_second.sql',
      message: expect.stringContaining(`a NUL byte (0x00) at byte offset ${NUL_OFFSET}`) as string,
    });
  });

  it('a registry defined from texts in memory refuses it as well', () => {
    const files: MigrationFile[] = [{ fileName: '001_first.sql', text: `SELECT 'é';\0` }];
    expect(() => defineRegistryFromFiles({ plane: 'demo', range: { min: 1, max: 10 }, files })).toThrow(
      expect.objectContaining({ code: 'REGISTRY_INVALID', message: expect.stringContaining('at byte offset 12') as string }) as Error,
    );
  });
});

describe('a malformed registry manifest', () => {
  function registryPackage(manifest: string): string {
    const root = mkdtempSync(join(tmpdir(), 'atlas-registry-'));
    mkdirSync(join(root, 'sql'));
    writeFileSync(join(root, 'sql', '001_first.sql'), FIRST);
    writeFileSync(join(root, 'package.json'), manifest);
    return root;
  }

  it.each([
    ['not JSON', '{ "name": "x", "atlasMigrations": ', 'not valid JSON ('],
    [
      'a malformed atlasMigrations',
      '{ "atlasMigrations": { "plane": "demo", "range": { "min": "1" } } }',
      '"atlasMigrations" must be { "plane": "<name>", "range": { "min": <version>, "max": <version> } }',
    ],
  ])('%s: one line naming the file, exit 2, nothing run (plan, up and new)', async (_case, manifest, why) => {
    const root = registryPackage(manifest);
    const sqlite = join(root, 'test.db');
    for (const args of [
      ['plan', '--url', `sqlite:${sqlite}`],
      ['up', '--url', `sqlite:${sqlite}`],
      ['new', 'second'],
    ]) {
      const result = await cli([...args, '--dir', join(root, 'sql')]);
      expect(result.code).toBe(2);
      expect(result.stdout).toBe('');
      expect(result.stderr).toMatch(/^atlas-migrate: Invalid registry manifest .+\n$/);
      expect(result.stderr).toContain(`Invalid registry manifest ${join(root, 'package.json')}: ${why}`);
      expect(result.stderr).not.toMatch(/\n\s+at /);
    }
  });

  it('a package.json without atlasMigrations is no manifest: the folder runs under its own name', async () => {
    const root = registryPackage('{ "name": "something-else" }');
    const result = await cli(['plan', '--url', `sqlite:${join(root, 'test.db')}`, '--dir', join(root, 'sql')]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('[SQL] ');
  });
});
