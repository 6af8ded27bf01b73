import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cli as inProcess, DIALECTS, freePort, migrationFolder, operatorScript, type TestDatabase } from '@atlasai/test-kit';
import { statusDocument } from '../src/status.js';

/** What `status` asserts must be true of the database it read: never up to date when it read nothing. */
const FILES = {
  '101_create_a.sql': 'CREATE TABLE IF NOT EXISTS a (id integer PRIMARY KEY);\n',
  '102_create_b.sql': 'CREATE TABLE IF NOT EXISTS b (id integer PRIMARY KEY);\n',
  '103_create_c.sql': 'CREATE TABLE IF NOT EXISTS c (id integer PRIMARY KEY);\n',
};

/** A PostgreSQL URL on a port nothing listens on (the password must never be printed). */
async function unreachableUrl(): Promise<string> {
  return `postgresql://atlas:Do-Not-Print-Me@127.0.0.1:${await freePort()}/atlas`;
}

describe('upToDate when a plane cannot be read', () => {
  it('no plane read is not up to date', () => {
    expect(statusDocument([])).toEqual({ schemaVersion: 2, ok: false, upToDate: false, planes: [] });
  });

  it('atlas-migrate status --json against an unreachable server: ok and upToDate false, exit 1', async () => {
    const dir = migrationFolder(FILES);
    for (const extra of [[], ['--exit-code']]) {
      const result = await inProcess(['status', '--json', '--wait', '0', '--url', await unreachableUrl(), '--dir', dir, ...extra]);
      expect(result.code).toBe(1);
      const json = JSON.parse(result.stdout);
      expect(json).toMatchObject({ schemaVersion: 2, ok: false, upToDate: false, planes: [{ ok: false, entries: [], error: { code: 'CONNECTION_FAILED' } }] });
      expect(result.stdout + result.stderr).not.toContain('Do-Not-Print-Me');
    }
  });

  describe('the root script', () => {
    let dataDir: string;
    beforeEach(() => {
      dataDir = mkdtempSync(join(tmpdir(), 'atlas-status-'));
    });
    afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

    it('npm run migrate:status -- --json: an unreadable control plane beside an up-to-date tenant plane is not up to date', async () => {
      const tenant = `sqlite:${join(dataDir, 'tenant.db')}`;
      const npm = (script: string, args: string[], env: Record<string, string>) => operatorScript(script, args, env);
      expect((await npm('migrate:versioned:tenant', [], { TENANT_PLANE_DATABASE_URL: tenant })).code).toBe(0);
      const env = { CONTROL_PLANE_DATABASE_URL: await unreachableUrl(), TENANT_PLANE_DATABASE_URL: tenant };

      const tenantOnly = await npm('migrate:status', ['--json', '--plane', 'tenant'], env);
      expect(JSON.parse(tenantOnly.stdout)).toMatchObject({ ok: true, upToDate: true });

      const both = await npm('migrate:status', ['--json', '--wait', '0'], env);
      expect(both.code).toBe(1);
      const json = JSON.parse(both.stdout);
      expect(json).toMatchObject({ schemaVersion: 2, ok: false, upToDate: false });
      expect(json.planes.map((p: { plane: string; ok: boolean; error: { code: string } | null }) => [p.plane, p.ok, p.error?.code ?? null])).toEqual([
        ['control', false, 'CONNECTION_FAILED'],
        ['tenant', true, null],
      ]);
      expect(both.stdout + both.stderr).not.toContain('Do-Not-Print-Me');
    });
  });
});

describe.each(DIALECTS)('baselined rows in status on $name', ({ create }) => {
  let db: TestDatabase;
  beforeEach(async () => {
    db = await create();
  });
  afterEach(async () => {
    await db.drop();
  });
  const cli = (command: string, dir: string, ...args: string[]) => inProcess([command, '--url', db.url, '--dir', dir, '--label', 'demo', ...args]);
  const states = (json: { planes: { entries: { version: number; state: string }[] }[] }) => json.planes[0]!.entries.map((e) => `${e.version} ${e.state}`);

  it('shows baselined, not applied, in text and JSON; baselined counts as applied for upToDate and --exit-code', async () => {
    const dir = migrationFolder(FILES);
    // A schema made by other means, then recorded without running.
    await db.query('CREATE TABLE a (id integer PRIMARY KEY)');
    await db.query('CREATE TABLE b (id integer PRIMARY KEY)');
    expect((await cli('baseline', dir, '--to', '102')).code).toBe(0);

    const behind = await cli('status', dir, '--json', '--exit-code');
    expect(behind.code).toBe(1);
    const json = JSON.parse(behind.stdout);
    expect(json).toMatchObject({ schemaVersion: 2, ok: true, upToDate: false });
    expect(states(json)).toEqual(['101 baselined', '102 baselined', '103 pending']);
    expect(json.planes[0].entries[0].appliedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);

    const text = await cli('status', dir);
    expect(text.code).toBe(0);
    const rows = text.stdout.split('\n').filter((l) => /^\[DEMO\] (version|\d)/.test(l));
    expect(rows[0]).toBe('[DEMO] version  name     state     applied_at');
    expect(rows.slice(1).map((l) => l.replace(/\d{4}-\d\d-\d\dT[\d:.]+Z$/, '<at>'))).toEqual([
      '[DEMO] 101      create_a baselined <at>',
      '[DEMO] 102      create_b baselined <at>',
      '[DEMO] 103      create_c pending   -',
    ]);

    expect((await cli('up', dir)).code).toBe(0);
    const upToDate = await cli('status', dir, '--json', '--exit-code');
    expect(upToDate.code).toBe(0);
    const after = JSON.parse(upToDate.stdout);
    expect(after).toMatchObject({ ok: true, upToDate: true });
    expect(states(after)).toEqual(['101 baselined', '102 baselined', '103 applied']);
  });
});
