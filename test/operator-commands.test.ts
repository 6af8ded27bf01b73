import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createPostgresDatabase, PROGRESS, REPO_ROOT, run, type RunResult, type TestDatabase } from '@atlasai/test-kit';

/** The operator guide's commands, run exactly as an operator types them, from the repository root. */
const CONTROL = ['1001', '1002', '1003', '1004', '1005', '1006', '1007'];
const TENANT = Array.from({ length: 18 }, (_, i) => String(2001 + i));

let dir: string;
let env: Record<string, string>;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'atlas-operator-'));
  env = { CONTROL_PLANE_DATABASE_URL: `sqlite:${join(dir, 'control.db')}`, TENANT_PLANE_DATABASE_URL: `sqlite:${join(dir, 'tenant.db')}` };
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const npmRun = (script: string, args: string[] = [], extraEnv: Record<string, string> = {}): Promise<RunResult> =>
  run('npm', ['run', '--silent', script, ...(args.length > 0 ? ['--', ...args] : [])], { env: { ...env, ...extraEnv } });

const lines = (...body: string[]) => `${body.join('\n')}\n`;
const HEADER = ['=== AtlasAI Versioned Migration Runner ===', 'Mode: APPLY'];

describe('npm run migrate:versioned and friends', () => {
  it('migrate:versioned applies control then tenant, then skips them all, in the guide’s exact format', async () => {
    const first = await npmRun('migrate:versioned');
    expect(first).toEqual({
      code: 0,
      stderr: PROGRESS,
      stdout: lines(
        ...HEADER,
        '[CONTROL] Connecting to database...',
        '[CONTROL] Connected.',
        `[CONTROL] Applied 7 migration(s): ${CONTROL.join(', ')}`,
        '[CONTROL] All migrations completed successfully.',
        '[TENANT] Connecting to database...',
        '[TENANT] Connected.',
        `[TENANT] Applied 18 migration(s): ${TENANT.join(', ')}`,
        '[TENANT] All migrations completed successfully.',
        '[OK] Migration run complete.',
      ),
    });
    const second = await npmRun('migrate:versioned');
    expect(second.stdout).toBe(
      lines(
        ...HEADER,
        '[CONTROL] Connecting to database...',
        '[CONTROL] Connected.',
        '[CONTROL] Skipped 7 already-applied migration(s)',
        '[CONTROL] All migrations completed successfully.',
        '[TENANT] Connecting to database...',
        '[TENANT] Connected.',
        '[TENANT] Skipped 18 already-applied migration(s)',
        '[TENANT] All migrations completed successfully.',
        '[OK] Migration run complete.',
      ),
    );
  });

  it('migrate:versioned:tenant and :control each touch only their plane', async () => {
    const tenant = await npmRun('migrate:versioned:tenant');
    expect(tenant.code).toBe(0);
    expect(tenant.stdout).toContain(`[TENANT] Applied 18 migration(s): ${TENANT.join(', ')}`);
    expect(tenant.stdout).not.toContain('[CONTROL]');
    expect(existsSync(join(dir, 'control.db'))).toBe(false);
    const control = await npmRun('migrate:versioned:control', ['--to', '1005']);
    expect(control.stdout).toBe(
      lines(
        ...HEADER,
        '[CONTROL] Connecting to database...',
        '[CONTROL] Connected.',
        '[CONTROL] Applied 5 migration(s): 1001, 1002, 1003, 1004, 1005',
        '[CONTROL] Left pending (beyond --to): 1006, 1007',
        '[CONTROL] All migrations completed successfully.',
        '[OK] Migration run complete.',
      ),
    );
  });

  it('migrate:versioned:dry-run reports both planes and creates nothing', async () => {
    const dry = await npmRun('migrate:versioned:dry-run');
    expect(dry).toEqual({
      code: 0,
      stderr: PROGRESS,
      stdout: lines(
        '=== AtlasAI Versioned Migration Runner ===',
        'Mode: DRY RUN',
        '[CONTROL] Connecting to database...',
        '[CONTROL] Connected.',
        `[CONTROL] Would apply 7 migration(s): ${CONTROL.join(', ')}`,
        '[CONTROL] Dry run: no changes were made.',
        '[TENANT] Connecting to database...',
        '[TENANT] Connected.',
        `[TENANT] Would apply 18 migration(s): ${TENANT.join(', ')}`,
        '[TENANT] Dry run: no changes were made.',
        '[OK] Dry run complete. No changes were made.',
      ),
    });
    expect(existsSync(join(dir, 'control.db')) || existsSync(join(dir, 'tenant.db'))).toBe(false);
  });

  it('--json passes through: one document, one entry per plane', async () => {
    const result = await npmRun('migrate:versioned', ['--json']);
    expect(result.code).toBe(0);
    const json = JSON.parse(result.stdout);
    expect(json).toMatchObject({ ok: true, mode: 'apply' });
    expect(json.planes.map((p: { plane: string; applied: unknown[]; error: unknown }) => [p.plane, p.applied.length, p.error])).toEqual([
      ['control', 7, null],
      ['tenant', 18, null],
    ]);
  });

  it('migrate:status shows applied, pending, changed-free states per plane', async () => {
    await npmRun('migrate:versioned:control', ['--to', '1006']);
    const status = await npmRun('migrate:status', ['--json']);
    expect(status.code).toBe(0);
    const planes = JSON.parse(status.stdout).planes as { plane: string; entries: { version: number; state: string }[] }[];
    const states = (plane: string) => Object.fromEntries(planes.find((p) => p.plane === plane)!.entries.map((e) => [e.version, e.state]));
    expect(states('control')).toEqual({
      1001: 'applied',
      1002: 'applied',
      1003: 'applied',
      1004: 'applied',
      1005: 'applied',
      1006: 'applied',
      1007: 'pending',
    });
    expect(Object.values(states('tenant'))).toEqual(Array(18).fill('pending'));
    const text = await npmRun('migrate:status');
    expect(text.stdout).toMatch(/^\[CONTROL\] 1007 +subscriptions_razorpay_billing_leads +pending +-$/m);
    expect(text.stdout).toMatch(/^\[CONTROL\] 1001 +control_oauth_signup +applied +\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/m);
  });

  it('when the control plane fails, the tenant plane is still attempted, both are reported, and the exit code is non-zero', async () => {
    // --wait 1: nothing will ever listen on port 1, and the default would wait 30 s for it to come up.
    const result = await npmRun('migrate:versioned', ['--wait', '1'], { CONTROL_PLANE_DATABASE_URL: 'postgresql://atlas:Do-Not-Print-Me@127.0.0.1:1/atlas' });
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('[CONTROL] Error: CONNECTION_FAILED: Cannot connect to postgresql://atlas:***@127.0.0.1:1/atlas');
    expect(result.stdout).toContain(`[TENANT] Applied 18 migration(s): ${TENANT.join(', ')}`);
    expect(result.stdout.trimEnd().split('\n').at(-1)).toBe('[FAIL] Migration run failed for CONTROL.');
    expect(result.stdout + result.stderr).not.toContain('Do-Not-Print-Me');
  });

  it('rejects an unknown flag with exit 2 and the usage', async () => {
    const result = await npmRun('migrate:versioned', ['--frobnicate']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/unknown option '--frobnicate'/i);
    expect(result.stderr).toContain('Usage: npm run migrate:versioned');
  });
});

describe('per-plane turbo task and PostgreSQL URLs', () => {
  let pg: TestDatabase;
  beforeEach(async () => {
    pg = await createPostgresDatabase();
  });
  afterEach(async () => {
    await pg.drop();
  });

  const PNPM = join(REPO_ROOT, 'node_modules', '.bin', 'pnpm');
  const turboEnv = () => ({ TENANT_PLANE_DATABASE_URL: pg.url, TURBO_TELEMETRY_DISABLED: '1' });

  it('pnpm turbo run migrate --filter=@atlasai/tenant-plane builds the registry first, then applies the plane', async () => {
    const graph = await run(PNPM, ['turbo', 'run', 'migrate', '--filter=@atlasai/tenant-plane', '--dry=json'], { env: turboEnv() });
    const tasks = (JSON.parse(graph.stdout) as { tasks: { taskId: string; dependencies: string[] }[] }).tasks;
    const deps = Object.fromEntries(tasks.map((t) => [t.taskId, [...t.dependencies].sort()]));
    expect(deps['@atlasai/tenant-plane#migrate']).toEqual(['@atlasai/tenant-plane#build']);
    // The test kit is a dev dependency with no build script: turbo lists its build, which runs nothing.
    expect(deps['@atlasai/tenant-plane#build']).toEqual([
      '@atlasai/migrator-core#build',
      '@atlasai/plane-service#build',
      '@atlasai/planes#build',
      '@atlasai/tenant-migrations#build',
      '@atlasai/test-kit#build',
    ]);

    // --only: the packages are built already, and replaying build outputs under other running tests is not wanted.
    const result = await run(PNPM, ['turbo', 'run', 'migrate', '--filter=@atlasai/tenant-plane', '--only', '--output-logs=full'], { env: turboEnv() });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain(`[TENANT] Applied 18 migration(s): ${TENANT.join(', ')}`);
    expect(await pg.query<{ n: number }>('SELECT count(*)::int AS n FROM schema_migrations')).toEqual([{ n: 18 }]);
  });
});
