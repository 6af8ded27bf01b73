import { appendFileSync, cpSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { operatorScript, REPO_ROOT, type RunResult } from '@atlasai/test-kit';

/**
 * The operator commands run the built registries; a registry's folder changed since its build is
 * refused. Each test compares the real build with a copy of the folder (ATLAS_<PLANE>_SQL_DIR), so the
 * repository's own folders are never touched.
 */
let dir: string;
let env: Record<string, string>;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'atlas-stale-'));
  env = { CONTROL_PLANE_DATABASE_URL: `sqlite:${join(dir, 'control.db')}`, TENANT_PLANE_DATABASE_URL: `sqlite:${join(dir, 'tenant.db')}` };
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

// `npm run --silent <script>`, run in this process by the kit (test/operator-commands.test.ts types them through npm).
const npmRun = (script: string, extraEnv: Record<string, string> = {}, args: string[] = []): Promise<RunResult> =>
  operatorScript(script, args, { ...env, ...extraEnv });

function copyOf(plane: 'control' | 'tenant'): string {
  const copy = join(dir, `${plane}-sql`);
  cpSync(join(REPO_ROOT, `packages/${plane}-migrations/sql`), copy, { recursive: true });
  return copy;
}

const ADDED = 'CREATE TABLE IF NOT EXISTS stale_probe (id integer PRIMARY KEY);\n';

describe('a registry build older than its folder', () => {
  it.each(['migrate:status', 'migrate:plan', 'migrate:versioned', 'migrate:verify'])(
    '%s refuses it (exit 2), names the new file and the rebuild, and touches no database',
    async (script) => {
      const tenant = copyOf('tenant');
      writeFileSync(join(tenant, '2098_stale_probe.sql'), ADDED);
      const result = await npmRun(script, { ATLAS_TENANT_SQL_DIR: tenant });
      expect(result).toEqual({
        code: 2,
        stdout: '',
        stderr: [
          `atlas-migrate: The tenant registry's build is older than ${tenant}; its files differ:`,
          '  added since the build:   2098_stale_probe.sql',
          'Nothing was run. Rebuild, then run the command again: npx turbo run build --filter=@atlasai/tenant-migrations',
          '',
        ].join('\n'),
      });
      expect(existsSync(join(dir, 'control.db'))).toBe(false);
      expect(existsSync(join(dir, 'tenant.db'))).toBe(false);
    },
  );

  it('names changed and removed files of each plane, and one command rebuilding both', async () => {
    const control = copyOf('control');
    const tenant = copyOf('tenant');
    const [first] = readdirSync(control).filter((f) => f.startsWith('1003_'));
    appendFileSync(join(control, first!), '\nSELECT 1;\n');
    const removed = readdirSync(tenant)
      .filter((f) => f.startsWith('2004_'))
      .sort();
    for (const f of removed) rmSync(join(tenant, f));
    const result = await npmRun('migrate:status', { ATLAS_CONTROL_SQL_DIR: control, ATLAS_TENANT_SQL_DIR: tenant });
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      [
        `atlas-migrate: The control registry's build is older than ${control}; its files differ:`,
        `  changed since the build: ${first}`,
        `The tenant registry's build is older than ${tenant}; its files differ:`,
        ...removed.map((f) => `  removed since the build: ${f}`),
        'Nothing was run. Rebuild, then run the command again: npx turbo run build --filter=@atlasai/control-migrations --filter=@atlasai/tenant-migrations',
        '',
      ].join('\n'),
    );
  });

  it('a change the checksum does not count (trailing blanks) is not staleness; --plane checks only that plane', async () => {
    const tenant = copyOf('tenant');
    const [first] = readdirSync(tenant).filter((f) => f.startsWith('2001_'));
    appendFileSync(join(tenant, first!), '   \n\n');
    const same = await npmRun('migrate:status', { ATLAS_TENANT_SQL_DIR: tenant });
    expect(same.code).toBe(0);
    writeFileSync(join(tenant, '2098_stale_probe.sql'), ADDED);
    const control = await npmRun('migrate:status', { ATLAS_TENANT_SQL_DIR: tenant }, ['--plane', 'control']);
    expect(control.code).toBe(0);
    expect(control.stdout).toContain('[CONTROL]');
  });
});
