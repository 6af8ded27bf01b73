import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDatabaseUrl } from '@atlasai/migrator-core';
import { ATLAS_MIGRATE, cli as inProcess, createPostgresDatabase, migrationFolder, run, type TestDatabase } from '@atlasai/test-kit';
import { leastPrivilegeRole } from './safety-support.js';

/** Connection strings and secrets. */

const HOSTILE = ['p@ss@word1', 'co:lon:pw', 'sla/sh/pw', 'has space pw', `qu'ote"pw`, '100%sure%20x', 'hash#tag?pw', 'ünïcødé-pässwörd', 'back\\slash\\pw'];

/** Libpq's keyword/value quoting. */
const kv = (value: string) => `'${value.replace(/[\\']/g, '\\$&')}'`;

describe('database target parsing', () => {
  it('reads keyword/value strings as PostgreSQL, redacted in their own syntax', () => {
    const target = parseDatabaseUrl(`host=127.0.0.1 port=5432 dbname=atlas user=atlasusr password=${kv("it's s3cret")} sslmode=disable`);
    expect(target).toMatchObject({
      kind: 'postgres',
      host: '127.0.0.1:5432',
      redacted: 'host=127.0.0.1 port=5432 dbname=atlas user=atlasusr password=*** sslmode=disable',
    });
    expect(target.kind === 'postgres' && target.url).toBe("postgresql://atlasusr:it's%20s3cret@127.0.0.1:5432/atlas?sslmode=disable");
  });

  it('redacts with the driver’s own parser: a raw @, a space, a quote never survive', () => {
    expect(parseDatabaseUrl('postgres://postgres:s3c@ret@db.internal:5432/atlas').redacted).toBe('postgres://postgres:***@db.internal:5432/atlas');
    expect(parseDatabaseUrl('postgresql://u:has space@h/db').redacted).toBe('postgresql://u:***@h/db');
    expect(parseDatabaseUrl(`postgresql://u:it'sX"y@h/db?password=other1&sslmode=require`).redacted).toBe(
      'postgresql://u:***@h/db?password=***&sslmode=require',
    );
  });

  it('a bare value is SQLite only when it clearly is a file; anything else is a usage error', () => {
    for (const path of ['data/a.db', 'x.sqlite', 'x.sqlite3', '/var/lib/atlas', './atlas', '../atlas']) expect(parseDatabaseUrl(path).kind).toBe('sqlite');
    for (const value of ['atlas', 'db.internal:5432/atlas', 'user:pw@host/db']) {
      expect(() => parseDatabaseUrl(value)).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }) as Error);
    }
    expect(() => parseDatabaseUrl('user:pw@host/db')).toThrow(/Cannot tell which database the value given names/);
  });

  it('a URL the driver cannot read is refused without quoting it', () => {
    let message = '';
    try {
      parseDatabaseUrl('postgresql://u:sla/sh#pw@h/db');
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/^Invalid PostgreSQL URL \(/);
    expect(message).not.toContain('sla/sh');
  });
});

describe('atlas-migrate never prints a hostile password', () => {
  let db: TestDatabase;
  let role: Awaited<ReturnType<typeof leastPrivilegeRole>>;
  const cwd = mkdtempSync(join(tmpdir(), 'atlas-cwd-'));
  beforeAll(async () => {
    db = await createPostgresDatabase();
    role = await leastPrivilegeRole();
    await db.query(`GRANT CREATE, USAGE ON SCHEMA public TO ${role.name}`);
  });
  afterAll(async () => {
    await db.drop();
    await role.drop();
  });

  const host = () => new URL(db.url);
  const database = () => host().pathname.slice(1);
  const forms = (password: string, port = host().port || '5432') => ({
    encoded: `postgresql://${role.name}:${encodeURIComponent(password)}@${host().hostname}:${port}/${database()}`,
    keyword: `host=${host().hostname} port=${port} dbname=${database()} user=${role.name} password=${kv(password)}`,
  });
  const GOOD = { '101_t.sql': 'CREATE TABLE IF NOT EXISTS t (id integer);\n' };
  const BAD = { ...GOOD, '102_bad.sql': 'SELECT no_such_column FROM t;\n' };
  // In this process (the kit's `cli`, which fails if anything is written around the command's streams),
  // except for the first hostile password, whose runs are processes of their own: what Node itself would
  // print (a warning, a crash) is then part of what is checked.
  let viaProcess = false;
  const cli = (args: string[], env: Record<string, string> = {}) =>
    viaProcess
      ? run(process.execPath, [ATLAS_MIGRATE, ...args, '--label', 'demo'], { cwd, env: { ATLAS_LOG: 'debug', ...env } })
      : inProcess([...args, '--label', 'demo'], { ATLAS_LOG: 'debug', ...env }, { cwd });

  it.each(HOSTILE)('%s: not on stdout, stderr, JSON, logs or errors, on success and on failure', async (password) => {
    viaProcess = password === HOSTILE[0];
    // Trust authentication on the test server: the password is carried, not checked, which is all this needs.
    // Both forms at once, so that their one-second waits on an unreachable port overlap.
    await Promise.all(
      Object.entries(forms(password)).map(async ([form, url]) => {
        const results = await Promise.all([
          cli(['--url', url, '--dir', migrationFolder(GOOD)]),
          cli(['--url', url, '--dir', migrationFolder(GOOD), '--json']),
          cli(['--url', url, '--dir', migrationFolder(GOOD), '--status']),
          cli(['--url', url, '--dir', migrationFolder(BAD), '--json']),
          cli(['--url', forms(password, '1')[form as 'encoded' | 'keyword'], '--dir', migrationFolder(GOOD), '--wait', '1']),
        ]);
        const spellings = [password, encodeURIComponent(password), JSON.stringify(password).slice(1, -1)].filter((s) => s.length >= 4);
        for (const result of results) for (const s of spellings) expect(`${result.stdout}\n${result.stderr}`).not.toContain(s);
        expect(results.map((r) => r.code)).toEqual([0, 0, 0, 1, 1]);
        expect(results[4]!.stdout).toContain('Error: CONNECTION_FAILED: Cannot connect to');
        expect(results[4]!.stderr).toMatch(/cannot reach \S+:1 yet/);
      }),
    );
    // Nothing was ever mistaken for a SQLite file.
    expect(readdirSync(cwd)).toEqual([]);
  });

  it('the issue’s keyword/value string migrates PostgreSQL and creates no file named after it', async () => {
    const url = `host=${host().hostname} dbname=${database()} user=${role.name} password=s3cret port=${host().port || '5432'}`;
    const result = await cli(['--url', url, '--dir', migrationFolder({ '301_kv.sql': 'CREATE TABLE IF NOT EXISTS made_by_kv (id integer);\n' }), '--json']);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout).planes[0].target).toBe(url.replace('password=s3cret', 'password=***'));
    expect(await db.tableExists('made_by_kv')).toBe(true);
    expect(existsSync(join(cwd, url))).toBe(false);
    expect(readdirSync(cwd)).toEqual([]);
  });

  it('an ambiguous bare value exits 2 and touches nothing', async () => {
    const result = await cli(['--url', 'atlas', '--dir', migrationFolder(GOOD)]);
    expect(result).toMatchObject({ code: 2, stdout: '' });
    expect(result.stderr).toMatch(/^atlas-migrate: Cannot tell which database "atlas" names: give postgres:\/\/…/);
    expect(readdirSync(cwd)).toEqual([]);
  });
});
