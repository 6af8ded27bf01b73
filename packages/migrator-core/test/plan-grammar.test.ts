import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cli as inProcess, createPostgresDatabase, createSqliteDatabase, migrationFolder, type TestDatabase } from '@atlasai/test-kit';
import { PARSER_GRAMMAR_MAJOR } from '../src/dialects/postgres/session.js';

/**
 * `plan` checks PostgreSQL syntax with libpg-query's grammar, not the server's: when the server is older, it
 * says so. A subquery in FROM without an alias parses in PostgreSQL 16 and later, and fails on 15.
 */
const NO_ALIAS = { '101_no_alias.postgres.sql': 'SELECT * FROM (SELECT 1);\n', '101_no_alias.sqlite.sql': 'SELECT * FROM (SELECT 1);\n' };

it('the grammar the engine names is the installed libpg-query’s (its major is the PostgreSQL it parses as)', () => {
  const pkg = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'node_modules', 'libpg-query', 'package.json'), 'utf8')) as { version: string };
  expect(Number(pkg.version.split('.')[0])).toBe(PARSER_GRAMMAR_MAJOR);
});

describe('plan on PostgreSQL names the grammar it checked with when the server is older', () => {
  let db: TestDatabase;
  beforeEach(async () => {
    db = await createPostgresDatabase();
  });
  afterEach(async () => {
    await db.drop();
  });
  const cli = (command: string, dir: string, ...flags: string[]) => inProcess([command, '--url', db.url, '--dir', dir, '--label', 'demo', ...flags]);

  it('text and JSON; the SQL it passed then fails up on an older server', async () => {
    const server = Math.floor(Number((await db.query<{ v: string }>("SELECT current_setting('server_version_num') AS v"))[0]!.v) / 10_000);
    const dir = migrationFolder(NO_ALIAS);
    const note = `[DEMO] Note: syntax was checked with PostgreSQL ${PARSER_GRAMMAR_MAJOR}'s grammar (libpg-query); this server runs PostgreSQL ${server}, which may reject what that grammar accepts, so \`up\` can still fail on syntax.`;
    const older = server < PARSER_GRAMMAR_MAJOR;

    const plan = await cli('plan', dir);
    expect(plan.code).toBe(0);
    const lines = plan.stdout.split('\n');
    expect(lines.slice(lines.indexOf('[DEMO] Would apply 1 migration(s): 101'), lines.indexOf('[DEMO] Dry run: no changes were made.'))).toEqual([
      '[DEMO] Would apply 1 migration(s): 101',
      ...(older ? [note] : []),
    ]);
    const json = JSON.parse((await cli('plan', dir, '--json')).stdout);
    expect(json.planes[0].syntaxGrammar).toEqual(older ? { parser: 'libpg-query', grammar: PARSER_GRAMMAR_MAJOR, server } : null);

    const up = await cli('up', dir, '--json');
    const error = JSON.parse(up.stdout).planes[0].error;
    if (server < 16) {
      // What the note warns of: the server's grammar is not the one plan checked with.
      expect(up.code).toBe(1);
      expect(error).toMatchObject({ code: 'STATEMENT_FAILED', version: 101, sqlstate: '42601', message: 'subquery in FROM must have an alias' });
    } else {
      expect([up.code, error]).toEqual([0, null]);
    }
    // Nothing pending, nothing checked: no note.
    if (up.code === 0) expect((await cli('plan', dir)).stdout).not.toContain('grammar');
  });
});

describe('plan on SQLite', () => {
  let db: TestDatabase;
  beforeEach(async () => {
    db = await createSqliteDatabase();
  });
  afterEach(async () => {
    await db.drop();
  });

  it('checks with SQLite itself: no grammar note', async () => {
    const result = await inProcess(['plan', '--url', db.url, '--dir', migrationFolder(NO_ALIAS), '--label', 'demo', '--json']);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout).planes[0]).toMatchObject({ pending: [{ version: 101 }], syntaxGrammar: null });
  });
});
