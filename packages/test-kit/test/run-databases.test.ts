import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { adminQuery, createDatabase, pgAdminUrl } from '@atlasai/test-kit';
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
