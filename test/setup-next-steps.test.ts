import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { REPO_ROOT, run } from '@atlasai/test-kit';

/** `npm run setup` ends with where the two databases are and the three commands to try next. */
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'atlas-setup-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const TRY_NEXT = [
  'Try next:',
  '  npm run migrate:status                        every migration of both planes and its state',
  '  node apps/tenant-plane/dist/main.js           start the Tenant Plane service on port 3000 (GET /api/health)',
  '  npm run migrate:new -- tenant add_my_table    add a migration: edit its two files, then npm run build and npm run migrate:versioned',
];

describe('npm run setup', () => {
  it('migrates both planes, then its last lines name each database and the three commands to try next', async () => {
    const control = join(dir, 'control.db');
    const tenant = join(dir, 'tenant.db');
    // --skip-install: this checkout is installed and built; the migration and the last lines are what is tested.
    const result = await run('npm', ['run', '--silent', 'setup', '--', '--skip-install'], {
      env: { CONTROL_PLANE_DATABASE_URL: `sqlite:${control}`, TENANT_PLANE_DATABASE_URL: `sqlite:${tenant}` },
    });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout.trimEnd().split('\n').slice(-8)).toEqual(
      [
        '[OK] Migration run complete.',
        '',
        'Setup complete. The two databases, migrated:',
        `  control plane  sqlite:${control}  (from CONTROL_PLANE_DATABASE_URL)`,
        `  tenant plane   sqlite:${tenant}  (from TENANT_PLANE_DATABASE_URL)`,
        ...TRY_NEXT,
      ].slice(-8),
    );
    for (const [file, count] of [
      [control, 7],
      [tenant, 18],
    ] as const) {
      const db = new Database(file, { readonly: true });
      expect(db.prepare('SELECT count(*) AS n FROM schema_migrations').get()).toEqual({ n: count });
      db.close();
    }
  });

  it('on the SQLite default, the lines give each file under data/ and the variable that moves it to PostgreSQL', async () => {
    const { nextSteps } = (await import(join(REPO_ROOT, 'scripts', 'setup-next-steps.mjs'))) as { nextSteps: (env: Record<string, string>) => string[] };
    expect(nextSteps({})).toEqual([
      '',
      'Setup complete. The two databases, migrated:',
      `  control plane  sqlite:${join(REPO_ROOT, 'data', 'control-plane.db')}  (SQLite default; set CONTROL_PLANE_DATABASE_URL for PostgreSQL)`,
      `  tenant plane   sqlite:${join(REPO_ROOT, 'data', 'tenant-plane.db')}  (SQLite default; set TENANT_PLANE_DATABASE_URL for PostgreSQL)`,
      ...TRY_NEXT,
    ]);
  });
});
