import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { describe, expect, inject, it } from 'vitest';
import { adminQuery, createDatabase, createPostgresDatabase, pgAdminUrl } from '@atlasai/test-kit';
import { dropRunTablespace, makeRunTablespace, tablespaceName } from '../src/memory.js';
import { databasePrefix, dropRunDatabases, templatePrefix } from '../src/template-names.js';

const databasesOf = async (runId: string) =>
  (
    await adminQuery('SELECT datname FROM pg_database WHERE starts_with(datname, $1) OR starts_with(datname, $2) ORDER BY datname', [
      templatePrefix(runId),
      databasePrefix(runId),
    ])
  ).rows.map((r: { datname: string }) => r.datname);

describe('the run’s teardown (dropRunDatabases)', () => {
  it('drops the run’s templates and left test databases, and nothing of another run', async () => {
    const [run, other] = [randomBytes(4).toString('hex'), randomBytes(4).toString('hex')];
    const mine = [`${templatePrefix(run)}tenant`, `${databasePrefix(run)}spare`, `${databasePrefix(run)}left`];
    const theirs = `${databasePrefix(other)}busy`;
    for (const name of [...mine, theirs]) await createDatabase(name);
    try {
      expect(await databasesOf(run)).toEqual([...mine].sort());
      await dropRunDatabases(pgAdminUrl(), run);
      expect(await databasesOf(run)).toEqual([]);
      expect(await databasesOf(other)).toEqual([theirs]);
    } finally {
      for (const name of [...mine, theirs]) await adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    }
  });
});

describe('the run’s files in memory (memory.ts)', () => {
  it('its test databases are in the run’s tablespace wherever the server runs on this machine, and its TMPDIR is in memory', async () => {
    const { rows } = await adminQuery("SELECT current_setting('data_directory') AS dir");
    const local = existsSync((rows[0] as { dir: string }).dir);
    const tablespace = inject('pgTablespace');
    expect(tablespace !== '').toBe(local);
    const db = await createPostgresDatabase();
    try {
      const [row] = await db.query<{ spcname: string }>(
        'SELECT t.spcname FROM pg_database d JOIN pg_tablespace t ON t.oid = d.dattablespace WHERE d.datname = current_database()',
      );
      expect(row!.spcname).toBe(local ? tablespace : 'pg_default');
    } finally {
      await db.drop();
    }
    if (existsSync('/dev/shm')) expect(tmpdir()).toMatch(/^\/dev\/shm\/atlas-tmp-/);
  });

  it('makes a tablespace for a run and drops it with its folder; a database in it can be made and dropped', async () => {
    const run = randomBytes(4).toString('hex');
    const made = await makeRunTablespace(pgAdminUrl(), run);
    if (!('name' in made)) {
      // Only where the server is elsewhere (or /dev/shm is missing); the first test says which applies here.
      expect(made.reason).not.toBe('');
      return;
    }
    const spaces = async () => (await adminQuery('SELECT spcname FROM pg_tablespace WHERE spcname = $1', [made.name])).rows;
    const name = `${databasePrefix(run)}in_memory`;
    try {
      expect(await spaces()).toEqual([{ spcname: tablespaceName(run) }]);
      await adminQuery(`CREATE DATABASE ${name} TABLESPACE ${made.name}`);
      await adminQuery(`DROP DATABASE ${name}`);
    } finally {
      await adminQuery(`DROP DATABASE IF EXISTS ${name}`);
      await dropRunTablespace(pgAdminUrl(), run);
    }
    expect(await spaces()).toEqual([]);
    expect(existsSync(`/dev/shm/atlas-pg-${run}`)).toBe(false);
  });
});
