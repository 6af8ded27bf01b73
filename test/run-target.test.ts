import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { redactUrl } from '@atlasai/migrator-core';
import { cli, createPostgresDatabase, operatorScript, REPO_ROOT, type RunResult } from '@atlasai/test-kit';

/** Every run names its target: one line per plane on stderr, the SQLite default said as such, unread `*DATABASE_URL*` variables warned about, `.env` read by the root scripts only. */
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'atlas-target-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** The planes' variables are cleared so that only what a test gives reaches the run. */
const CLEAR = { CONTROL_PLANE_DATABASE_URL: undefined, TENANT_PLANE_DATABASE_URL: undefined, DATABASE_URL: undefined };
const npmRun = (script: string, args: string[], env: Record<string, string | undefined>): Promise<RunResult> =>
  operatorScript(script, args, { ...CLEAR, ...env });

const DEFAULT_TENANT = join(REPO_ROOT, 'data', 'tenant-plane.db');
/** The repository's own data/ file, which a read-only status must leave as it was (absent or unchanged). */
const fingerprint = (file: string) => (existsSync(file) ? statSync(file).mtimeMs : 'absent');

describe('the target line and the unread-variable warning', () => {
  it('TENANT_DATABASE_URL set by mistake: warned with "did you mean", and the target line names the SQLite default it used', async () => {
    const before = fingerprint(DEFAULT_TENANT);
    const result = await npmRun('migrate:status', ['--plane', 'tenant'], { TENANT_DATABASE_URL: 'postgres://app:s3cret-pw@127.0.0.1:5432/tenant' });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr.split('\n')).toEqual([
      'atlas-migrate: warning: TENANT_DATABASE_URL is set but not read; did you mean TENANT_PLANE_DATABASE_URL?',
      `[TENANT] target: sqlite:${DEFAULT_TENANT} (TENANT_PLANE_DATABASE_URL is unset: the SQLite default)`,
      '',
    ]);
    expect(result.stdout.split('\n').slice(0, 2)).toEqual(['=== AtlasAI Migration Status ===', `[TENANT] ${DEFAULT_TENANT}`]);
    expect(`${result.stdout}${result.stderr}`).not.toContain('s3cret-pw');
    expect(fingerprint(DEFAULT_TENANT)).toBe(before);
  });

  it('a name far from any read one is still named, with the variables these commands read', async () => {
    const result = await npmRun('migrate:status', ['--plane', 'control'], {
      CONTROL_PLANE_DATABASE_URL: `sqlite:${join(dir, 'c.db')}`,
      LEGACY_DATABASE_URL: '',
    });
    expect(result.stderr.split('\n')[0]).toBe(
      'atlas-migrate: warning: LEGACY_DATABASE_URL is set but not read; these commands read CONTROL_PLANE_DATABASE_URL and TENANT_PLANE_DATABASE_URL',
    );
  });

  it('separate pipes: stdout is exactly the report, each target (redacted) is one line on stderr before its plane connects, and in the JSON document', async () => {
    const db = await createPostgresDatabase();
    try {
      const parsed = new URL(db.url);
      parsed.username ||= 'postgres';
      parsed.password = 'pw-never-shown'; // trust auth: accepted, and never to be shown
      const url = parsed.toString();
      const env = { CONTROL_PLANE_DATABASE_URL: `sqlite:${join(dir, 'control.db')}`, TENANT_PLANE_DATABASE_URL: url };
      const redacted = redactUrl(url);
      const result = await npmRun('migrate:plan', [], env);
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).not.toContain('target');
      expect(result.stdout.split('\n').slice(0, 4)).toEqual([
        '=== AtlasAI Versioned Migration Runner ===',
        'Mode: DRY RUN',
        '[CONTROL] Connecting to database...',
        '[CONTROL] Connected.',
      ]);
      const stderr = result.stderr.split('\n');
      expect(stderr.filter((l) => l.includes('target:'))).toEqual([
        `[CONTROL] target: sqlite:${join(dir, 'control.db')} (CONTROL_PLANE_DATABASE_URL)`,
        `[TENANT] target: ${redacted} (TENANT_PLANE_DATABASE_URL)`,
      ]);
      // Each plane's line comes before anything else of that plane on stderr.
      expect(stderr.findIndex((l) => l.startsWith('[TENANT]'))).toBe(stderr.indexOf(`[TENANT] target: ${redacted} (TENANT_PLANE_DATABASE_URL)`));
      const json = await npmRun('migrate:plan', ['--json'], env);
      expect(JSON.parse(json.stdout).planes.map((p: { target: string }) => p.target)).toEqual([join(dir, 'control.db'), redacted]);
      expect(`${result.stdout}${result.stderr}${json.stdout}${json.stderr}`).not.toContain('pw-never-shown');
    } finally {
      await db.drop();
    }
  });

  it('atlas-migrate names its folder target and where the URL came from', async () => {
    const sql = join(dir, 'sql');
    const result = await cli(['plan', '--dir', dir, '--label', 'demo'], { DATABASE_URL: `sqlite:${join(dir, 'x.db')}` });
    expect(result.stderr.split('\n')[0]).toBe(`[DEMO] target: sqlite:${join(dir, 'x.db')} (DATABASE_URL)`);
    const flagged = await cli(['plan', '--dir', dir, '--label', 'demo', '--url', `sqlite:${join(dir, 'x.db')}`]);
    expect(flagged.stderr.split('\n')[0]).toBe(`[DEMO] target: sqlite:${join(dir, 'x.db')} (--url)`);
    expect(existsSync(sql)).toBe(false);
  });
});

describe('.env at the repository root', () => {
  const writeEnv = (text: string) => {
    const file = join(dir, '.env');
    writeFileSync(file, text);
    return file;
  };

  it('the root scripts read it (ATLAS_ENV_FILE names the file); a variable already set, even empty, wins; the target line says where the URL came from', async () => {
    const file = writeEnv(`CONTROL_PLANE_DATABASE_URL=sqlite:${join(dir, 'from-env.db')}\nTENANT_PLANE_DATABASE_URL=sqlite:${join(dir, 'not-used.db')}\n`);
    const result = await npmRun('migrate:versioned', [], {
      ATLAS_DOTENV: undefined,
      ATLAS_ENV_FILE: file,
      TENANT_PLANE_DATABASE_URL: `sqlite:${join(dir, 'tenant.db')}`,
    });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr.split('\n').filter((l) => l.includes('target:'))).toEqual([
      `[CONTROL] target: sqlite:${join(dir, 'from-env.db')} (CONTROL_PLANE_DATABASE_URL, from ${file})`,
      `[TENANT] target: sqlite:${join(dir, 'tenant.db')} (TENANT_PLANE_DATABASE_URL)`,
    ]);
    expect([existsSync(join(dir, 'from-env.db')), existsSync(join(dir, 'tenant.db')), existsSync(join(dir, 'not-used.db'))]).toEqual([true, true, false]);

    const empty = await npmRun('migrate:status', ['--plane', 'control'], { ATLAS_DOTENV: undefined, ATLAS_ENV_FILE: file, CONTROL_PLANE_DATABASE_URL: '' });
    expect(empty.stderr).toContain('[CONTROL] target: sqlite:');
    expect(empty.stderr).toContain('(CONTROL_PLANE_DATABASE_URL is empty: the SQLite default)');
  });

  it('ATLAS_DOTENV=0 (the test harness default) leaves it unread; a named file that is missing is exit 2', async () => {
    const file = writeEnv(`CONTROL_PLANE_DATABASE_URL=sqlite:${join(dir, 'from-env.db')}\n`);
    const off = await npmRun('migrate:status', ['--plane', 'control'], { ATLAS_ENV_FILE: file });
    expect(off.stderr).toContain('(CONTROL_PLANE_DATABASE_URL is unset: the SQLite default)');
    const missing = await npmRun('migrate:status', [], { ATLAS_DOTENV: undefined, ATLAS_ENV_FILE: join(dir, 'nope.env') });
    expect(missing).toEqual({ code: 2, stdout: '', stderr: `atlas-migrate: cannot read ${join(dir, 'nope.env')}: no such file (named by ATLAS_ENV_FILE)\n` });
  });

  it('the published atlas-migrate does not read it', async () => {
    const file = writeEnv(`DATABASE_URL=sqlite:${join(dir, 'x.db')}\n`);
    const result = await cli(['plan', '--dir', dir], { ...CLEAR, ATLAS_DOTENV: undefined, ATLAS_ENV_FILE: file });
    expect(result.code).toBe(2);
    expect(result.stderr.split('\n')[0]).toBe('atlas-migrate: No database: pass --url or set DATABASE_URL');
  });
});
