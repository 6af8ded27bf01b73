import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '@atlasai/test-kit';
import { copyBuiltApp, http, startService, stopAllServices } from '@atlasai/test-kit/service';

/**
 * What a service says at boot about where it reads and writes (its target, the SQLite default, unread
 * `*DATABASE_URL*` variables), the root `.env` it reads, and its log format. Each a real process; the
 * defaults that hang on the repository root are tried on a copy of the built app in a temporary root.
 */
const PASSWORD = 'env-pw-never-logged-77d0';
const dirs: string[] = [];
const tempDir = (prefix: string) => {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
};
afterEach(async () => {
  await stopAllServices();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const messages = (lines: { msg?: string }[]) => lines.map((l) => l.msg);

describe('the target a service names at boot', () => {
  it('an unset plane URL says it falls back to the SQLite file, with its path, and uses it', async () => {
    const root = copyBuiltApp('tenant');
    dirs.push(root);
    const service = startService('tenant', {}, { root });
    const url = await service.ready();
    const file = join(root, 'data/tenant-plane.db');
    expect(messages(service.lines())).toContain(`TENANT_PLANE_DATABASE_URL is not set: using the SQLite file ${file}`);
    expect(existsSync(file)).toBe(true);
    expect((await http(`${url}/api/health`)).status).toBe(200);
  });

  it('a set plane URL is named, redacted; a mistyped *DATABASE_URL* variable is named in a warning, its value never', async () => {
    const dir = tempDir('atlas-env-');
    const service = startService('tenant', {
      TENANT_PLANE_DATABASE_URL: `sqlite:${join(dir, 't.db')}`,
      TENANT_DATABASE_URL: `postgresql://app:${PASSWORD}@db.internal/tenant`,
      ReportingDatabase_Url: 'x',
    });
    await service.ready();
    const lines = service.lines();
    expect(lines.find((l) => l.source === 'TENANT_PLANE_DATABASE_URL')).toMatchObject({
      level: 30,
      msg: `tenant plane database: ${join(dir, 't.db')} (TENANT_PLANE_DATABASE_URL)`,
    });
    const warnings = lines.filter((l) => l.level === 40 && String(l.msg).includes('is set but not read')).map((l) => l.msg);
    expect(warnings).toEqual([
      'ReportingDatabase_Url is set but not read; this service reads TENANT_PLANE_DATABASE_URL (and MIGRATION_DATABASE_URL for migrations)',
      'TENANT_DATABASE_URL is set but not read; did you mean TENANT_PLANE_DATABASE_URL?',
    ]);
    expect(service.output()).not.toContain(PASSWORD);
  });

  it('a variable the product reads (the other plane, MIGRATION_DATABASE_URL, DATABASE_URL) is never warned of', async () => {
    const dir = tempDir('atlas-env-');
    const sqlite = `sqlite:${join(dir, 't.db')}`;
    const service = startService('tenant', {
      TENANT_PLANE_DATABASE_URL: sqlite,
      MIGRATION_DATABASE_URL: sqlite,
      CONTROL_PLANE_DATABASE_URL: 'sqlite:x.db',
      DATABASE_URL: 'sqlite:y.db',
    });
    await service.ready();
    expect(service.lines().filter((l) => String(l.msg).includes('is set but not read'))).toEqual([]);
  });
});

describe('.env at the repository root', () => {
  const writeEnv = (root: string, dir: string) =>
    writeFileSync(
      join(root, '.env'),
      `# a developer's settings\nTENANT_PLANE_DATABASE_URL=sqlite:${join(dir, 'from-env.db')}\nINTERNAL_SERVICE_SECRET="from-dotenv-secret"\nLOG_LEVEL=debug\n`,
    );

  it('is read when present: its variables apply, one already set (even empty) wins, and the names (never values) are logged', async () => {
    const root = copyBuiltApp('tenant');
    dirs.push(root);
    const dir = tempDir('atlas-env-');
    writeEnv(root, dir);
    const service = startService('tenant', { ATLAS_DOTENV: '1', INTERNAL_SERVICE_SECRET: '' }, { root });
    const url = await service.ready();
    expect(existsSync(join(dir, 'from-env.db'))).toBe(true);
    expect(service.lines().find((l) => l.envFile)).toMatchObject({
      envFile: join(root, '.env'),
      set: ['LOG_LEVEL', 'TENANT_PLANE_DATABASE_URL'],
      kept: ['INTERNAL_SERVICE_SECRET'],
      msg: `read ${join(root, '.env')}: set LOG_LEVEL, TENANT_PLANE_DATABASE_URL; already set, so kept: INTERNAL_SERVICE_SECRET`,
    });
    // The empty secret from the environment won: the protected endpoints refuse every call.
    expect((await http(`${url}/api/db/status`, { secret: 'from-dotenv-secret' })).status).toBe(403);
    expect(service.output()).not.toContain('from-dotenv-secret');
  });

  it('is not read with ATLAS_DOTENV=0 (the test harness sets it), so a developer .env never reaches a test', async () => {
    const root = copyBuiltApp('tenant');
    dirs.push(root);
    const dir = tempDir('atlas-env-');
    writeEnv(root, dir);
    const service = startService('tenant', {}, { root });
    await service.ready();
    expect(existsSync(join(dir, 'from-env.db'))).toBe(false);
    expect(messages(service.lines())).toContain(`TENANT_PLANE_DATABASE_URL is not set: using the SQLite file ${join(root, 'data/tenant-plane.db')}`);
    expect(service.lines().some((l) => l.envFile)).toBe(false);
  });

  it('ATLAS_ENV_FILE names another file; one that does not exist is a configuration error (exit 2)', async () => {
    const dir = tempDir('atlas-env-');
    const file = join(dir, 'staging.env');
    writeFileSync(file, `TENANT_PLANE_DATABASE_URL=sqlite:${join(dir, 'named.db')}\n`);
    const service = startService('tenant', { ATLAS_DOTENV: '1', ATLAS_ENV_FILE: file });
    await service.ready();
    expect(existsSync(join(dir, 'named.db'))).toBe(true);

    const missing = startService('tenant', { ATLAS_DOTENV: '1', ATLAS_ENV_FILE: join(dir, 'nope.env') });
    expect(await missing.exited).toBe(2);
    expect(missing.lines().find((l) => l.level === 60)?.msg).toBe(`cannot read ${join(dir, 'nope.env')}: no such file (named by ATLAS_ENV_FILE)`);
  });
});

describe('log format', () => {
  const isJson = (line: string) => {
    try {
      JSON.parse(line);
      return true;
    } catch {
      return false;
    }
  };

  it('piped, the default is NDJSON: every line of stdout is one JSON object', async () => {
    const dir = tempDir('atlas-env-');
    const service = startService('tenant', { TENANT_PLANE_DATABASE_URL: `sqlite:${join(dir, 't.db')}` });
    await service.ready();
    const lines = service.output().split('\n').filter(Boolean);
    expect(lines.length).toBeGreaterThan(3);
    expect(lines.filter((l) => !isJson(l))).toEqual([]);
  });

  it('LOG_FORMAT=pretty: readable lines, not JSON, with the password still redacted and no secret', async () => {
    const dir = tempDir('atlas-env-');
    const secret = 'pretty-secret-31aa';
    // An invalid variable beside the URL: the fatal line quotes the configuration it refused.
    const service = startService('tenant', {
      LOG_FORMAT: 'pretty',
      TENANT_PLANE_DATABASE_URL: `sqlite:${join(dir, 't.db')}`,
      MIGRATION_DATABASE_URL: `postgresql://app:${PASSWORD}@127.0.0.1:1/x`,
      INTERNAL_SERVICE_SECRET: secret,
    });
    expect(await service.exited).toBe(2);
    const lines = service.output().split('\n').filter(Boolean);
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.filter(isJson)).toEqual([]);
    expect(service.output()).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] FATAL: invalid configuration/m);
    expect(service.output()).not.toContain(PASSWORD);
    expect(service.output()).not.toContain(secret);

    const booted = startService('tenant', { LOG_FORMAT: 'pretty', TENANT_PLANE_DATABASE_URL: `sqlite:${join(dir, 'u.db')}`, INTERNAL_SERVICE_SECRET: secret });
    const logged = () => booted.output().includes('INFO: listening');
    while (!logged()) {
      if (booted.child.exitCode !== null) throw new Error(booted.output());
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(booted.output()).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: startup migration complete/m);
    expect(booted.output().split('\n').filter(Boolean).filter(isJson)).toEqual([]);
    expect(booted.output()).not.toContain(secret);
  });

  it('on a terminal (a pty), readable lines by default; LOG_FORMAT=json keeps NDJSON there', () => {
    const run = (format: string) => {
      const env = { ...process.env, ATLAS_DOTENV: '0', PORT: 'not-a-port', LOG_FORMAT: format };
      try {
        execFileSync('script', ['-qefc', `${process.execPath} apps/tenant-plane/dist/main.js`, '/dev/null'], { cwd: REPO_ROOT, env, encoding: 'utf8' });
      } catch (error) {
        return { status: (error as { status: number }).status, output: String((error as { stdout: string }).stdout) };
      }
      throw new Error('the service started with PORT=not-a-port');
    };
    const pretty = run('');
    expect(pretty.status).toBe(2);
    expect(pretty.output).toMatch(/FATAL.*: .*invalid configuration/);
    expect(pretty.output).not.toMatch(/^\{"level"/m);
    const json = run('json');
    expect(json.status).toBe(2);
    expect(JSON.parse(json.output.trim().split('\n')[0]!)).toMatchObject({ level: 60, msg: 'invalid configuration' });
  });
});
