import { describe, expect, it } from 'vitest';
import { redactUrl } from '../src/index.js';
import { cli, migrationFolder, PASSWORD, UNSUPPORTED } from '@atlasai/test-kit';

function expectNoPassword(output: string): void {
  for (const piece of [PASSWORD, ...PASSWORD.split(/[ "']/)]) expect(output).not.toContain(piece);
}

describe('a URL in a scheme the engine does not speak, its password holding quotes and a space', () => {
  const dir = migrationFolder({ '001_first.sql': 'CREATE TABLE first_table (id integer);\n' });

  it.each(UNSUPPORTED)(
    '%s: exit 2, and nothing of the userinfo on stdout or stderr (--url and DATABASE_URL; up, plan, status, --json)',
    async (_scheme, url, shown) => {
      const runs = [
        await cli(['up', '--url', url, '--dir', dir]),
        await cli(['plan', '--dir', dir], { DATABASE_URL: url }),
        await cli(['status', '--json', '--url', url, '--dir', dir]),
        await cli(['baseline', '--to', '1', '--url', url, '--dir', dir]),
      ];
      for (const result of runs) {
        expect(result.code).toBe(2);
        expect(result.stderr).toContain(`Unsupported database URL ${shown}: expected postgres://`);
        expect(result.stderr).not.toContain('atlas:');
        expectNoPassword(result.stdout + result.stderr);
      }
    },
  );

  it('a URL it does parse keeps its documented user:***@ form', async () => {
    const result = await cli(['plan', '--dir', dir], { DATABASE_URL: `postgres://atlas:${PASSWORD}@127.0.0.1:1/app`, ATLAS_LOG: 'silent' });
    expect(result.stdout + result.stderr).toContain('atlas:***@127.0.0.1:1');
    expectNoPassword(result.stdout + result.stderr);
  });
});

describe('redactUrl over free text (a driver message or a log line quoting a URL)', () => {
  it.each([
    [`connect postgres://atlas:${PASSWORD}@db.internal/app failed`, 'connect postgres://atlas:***@db.internal/app failed'],
    [`{"msg":"mysql://atlas:${JSON.stringify(PASSWORD).slice(1, -1)}@db.internal:3306/app","n":1}`, '{"msg":"mysql://atlas:***@db.internal:3306/app","n":1}'],
    [`host=db password='Zq Xylo\\' Wv' dbname=app`, 'host=db password=*** dbname=app'],
    [`host=db password='Zq Xylo Wv`, 'host=db password=***'],
    ['postgres://atlas:Kreb9@db/app?password=Zq Xylo&sslmode=require', 'postgres://atlas:***@db/app?password=***&sslmode=require'],
  ])('%s', (text, redacted) => {
    expect(redactUrl(text)).toBe(redacted);
  });

  it('a URL without a password, and its neighbours, are left alone', () => {
    const text = 'expected postgres://, postgresql://, sqlite:<path>; got postgres://atlas@db.internal:5432/app';
    expect(redactUrl(text)).toBe(text);
  });
});
