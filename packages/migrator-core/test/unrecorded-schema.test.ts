import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cli, DIALECTS, migrationFolder, type TestDatabase } from '@atlasai/test-kit';

/**
 * A database made by other means (psql, another tool, a restore) has objects but no schema_migrations:
 * `up` refuses before running or creating anything, naming `baseline`; `plan` says so and succeeds; a
 * registry whose manifest declares every migration idempotent runs over it. Extension members are not
 * the database's own objects.
 */

const FILES = {
  '1_users.sql': 'CREATE TABLE IF NOT EXISTS users (id integer PRIMARY KEY, email text);\n',
  '2_seed.sql': "INSERT INTO users (id, email) VALUES (1, 'first@example.com');\n",
};

/** A registry package's sql/ folder, with its manifest. */
function registryPackage(files: Record<string, string>, manifest: Record<string, unknown>): string {
  const root = mkdtempSync(join(tmpdir(), 'atlas-registry-'));
  writeFileSync(join(root, 'package.json'), JSON.stringify({ name: 'legacy-registry', atlasMigrations: manifest }));
  mkdirSync(join(root, 'sql'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(root, 'sql', name), text);
  return join(root, 'sql');
}

describe.each(DIALECTS)('a populated database without a history, on $name', ({ name, create }) => {
  let db: TestDatabase;
  beforeEach(async () => {
    db = await create();
  });
  afterEach(async () => {
    await db.drop();
  });

  /** What psql (or sqlite3) made earlier: a table with a row and a view. */
  async function populate(): Promise<void> {
    await db.query('CREATE TABLE users (id integer PRIMARY KEY, email text)');
    await db.query("INSERT INTO users (id, email) VALUES (7, 'legacy@example.com')");
    await db.query('CREATE VIEW user_emails AS SELECT email FROM users');
  }

  const everything = async () => [await db.catalog(), await db.query('SELECT id, email FROM users ORDER BY id')];

  it('up refuses, exit 1, naming baseline; nothing changes and no schema_migrations is created', async () => {
    await populate();
    const before = await everything();
    const result = await cli(['up', '--url', db.url, '--dir', migrationFolder(FILES), '--label', 'legacy']);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('HISTORY_MISSING');
    expect(result.stdout).toContain('atlas-migrate baseline --to <version>');
    expect(result.stdout).toMatch(name === 'postgres' ? /table public\.users/ : /table users/);
    expect(await everything()).toEqual(before);
    expect(await db.tableExists('schema_migrations')).toBe(false);
  });

  it('plan reports it and exits 0', async () => {
    await populate();
    const before = await everything();
    const result = await cli(['plan', '--url', db.url, '--dir', migrationFolder(FILES), '--label', 'legacy']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('[LEGACY] Warning: no schema_migrations, but the schema already holds 2 object(s) of its own');
    expect(result.stdout).toContain('atlas-migrate baseline --to <version>');
    const json = await cli(['plan', '--json', '--url', db.url, '--dir', migrationFolder(FILES), '--label', 'legacy']);
    expect(json.code).toBe(0);
    const objects = name === 'postgres' ? ['table public.users', 'view public.user_emails'] : ['table users', 'view user_emails'];
    expect((JSON.parse(json.stdout) as { planes: { unrecordedObjects: string[] }[] }).planes[0]!.unrecordedObjects).toEqual(objects);
    expect(await everything()).toEqual(before);
    expect(await db.tableExists('schema_migrations')).toBe(false);
  });

  it('after baseline, up runs what is beyond it', async () => {
    await populate();
    const dir = migrationFolder(FILES);
    expect((await cli(['baseline', '--to', '1', '--url', db.url, '--dir', dir, '--label', 'legacy'])).code).toBe(0);
    const result = await cli(['up', '--url', db.url, '--dir', dir, '--label', 'legacy']);
    expect(result.code).toBe(0);
    expect(await db.query('SELECT id FROM users ORDER BY id')).toEqual([{ id: 1 }, { id: 7 }]);
  });

  it('a registry whose manifest declares every migration idempotent goes on', async () => {
    await populate();
    const dir = registryPackage(FILES, { plane: 'legacy', range: { min: 1, max: 99 }, idempotent: true });
    const result = await cli(['up', '--url', db.url, '--dir', dir]);
    expect(result.code).toBe(0);
    expect((await db.query<{ version: number | string }>('SELECT version FROM schema_migrations ORDER BY version')).map((r) => Number(r.version))).toEqual([
      1, 2,
    ]);
    const refused = registryPackage(FILES, { plane: 'legacy', range: { min: 1, max: 99 } });
    const other = await create();
    try {
      await other.query('CREATE TABLE users (id integer PRIMARY KEY, email text)');
      expect((await cli(['up', '--url', other.url, '--dir', refused])).code).toBe(1);
    } finally {
      await other.drop();
    }
  });

  it('an empty database is no reason to refuse', async () => {
    const result = await cli(['up', '--url', db.url, '--dir', migrationFolder(FILES), '--label', 'legacy']);
    expect(result.code).toBe(0);
    expect(await db.query('SELECT id FROM users')).toEqual([{ id: 1 }]);
  });
});

describe("PostgreSQL: extension members are not the schema's own objects", () => {
  it("a schema holding only pg_trgm's functions and types is empty", async () => {
    const db = await DIALECTS[0].create();
    try {
      await db.query('CREATE EXTENSION pg_trgm');
      expect(Number((await db.query<{ n: string }>("SELECT count(*) AS n FROM pg_proc WHERE pronamespace = 'public'::regnamespace"))[0]!.n)).toBeGreaterThan(0);
      const result = await cli(['up', '--url', db.url, '--dir', migrationFolder(FILES), '--label', 'legacy']);
      expect(result.code).toBe(0);
      expect(await db.query('SELECT id FROM users')).toEqual([{ id: 1 }]);
    } finally {
      await db.drop();
    }
  });
});
