import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { atlasMigrate, cli, createPostgresDatabase, createSqliteDatabase, migrationFolder, sqlitePath, type TestDatabase } from '@atlasai/test-kit';

const FILES = { '101_a.sql': 'CREATE TABLE a (id integer PRIMARY KEY);\n', '102_b.sql': 'SELECT no_such_column FROM a;\n' };

describe('atlas-migrate in the test process (the kit’s cli)', () => {
  const made: TestDatabase[] = [];
  afterEach(async () => {
    for (const db of made.splice(0)) await db.drop();
  });

  it('prints, exits and leaves the database as the program in a process of its own does', async () => {
    for (const create of [createPostgresDatabase, createSqliteDatabase]) {
      const [inProcess, spawned] = [await create(), await create()];
      made.push(inProcess, spawned);
      const dir = migrationFolder(FILES);
      const args = (db: TestDatabase) => ['up', '--url', db.url, '--dir', dir, '--label', 'demo', '--json'];
      const [a, b] = [await cli(args(inProcess)), await atlasMigrate(args(spawned))];
      expect(a.code).toBe(1);
      expect(b.code).toBe(1);
      const masked = (text: string, db: TestDatabase) =>
        text
          .replaceAll(db.url, 'URL')
          .replaceAll(db.dialect === 'sqlite' ? sqlitePath(db) : db.url, 'URL')
          .replace(/"(durationMs|executionMs|appliedAt|startedAt|finishedAt)":[^,}]+/g, '"$1":0');
      expect(masked(a.stdout, inProcess)).toBe(masked(b.stdout, spawned));
      expect(await inProcess.catalog()).toBe(await spawned.catalog());
    }
  });

  it('sees the working directory and the environment it is given, and gives back this process’s own', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'atlas-cli-cwd-'));
    try {
      const before = process.cwd();
      const result = await cli(
        ['up', '--dir', migrationFolder({ '101_a.sql': FILES['101_a.sql'] }), '--label', 'demo'],
        { DATABASE_URL: 'sqlite:here.db', ATLAS_LOG: undefined },
        { cwd },
      );
      expect(result.code, result.stderr).toBe(0);
      expect(readdirSync(cwd), result.stderr).toEqual(['here.db']);
      expect(process.cwd()).toBe(before);
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  });

  it('fails a run during which anything was written around its streams', async () => {
    const db = await createPostgresDatabase();
    made.push(db);
    // A statement that sleeps keeps the command running while this process writes: in a process of its own,
    // that line would not have been there, so the kit cannot tell it from the command's own and refuses.
    const running = cli(['up', '--url', db.url, '--dir', migrationFolder({ '101_s.sql': 'SELECT pg_sleep(1);\n' }), '--label', 'demo']);
    await new Promise((resolve) => setTimeout(resolve, 300));
    process.stderr.write('written around the command\n');
    await expect(running).rejects.toThrow(/wrote around its streams:\nwritten around the command/);
  });
});
