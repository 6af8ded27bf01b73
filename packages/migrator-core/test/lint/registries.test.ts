import { cpSync, existsSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lintPaths } from '@atlasai/migrator-core';
import { cli, REPO_ROOT, run } from '@atlasai/test-kit';

const CONTROL_SQL = join(REPO_ROOT, 'packages/control-migrations/sql');
const TENANT_SQL = join(REPO_ROOT, 'packages/tenant-migrations/sql');

/**
 * The registries' warnings, each listed in docs/migration-rules.md ("The registries' warnings") and left
 * in place: the SQL is released and its checksums are recorded, so an edit would stop every database
 * that applied it with CHECKSUM_MISMATCH.
 */
const KNOWN_WARNINGS = [
  'constraint-without-not-valid control-migrations/sql/1004_add_tenant_slug.postgres.sql:22',
  'blocking-create-index control-migrations/sql/1004_add_tenant_slug.postgres.sql:28',
  'constraint-without-not-valid control-migrations/sql/1007_subscriptions_razorpay_billing_leads.postgres.sql:40',
  'constraint-without-not-valid control-migrations/sql/1007_subscriptions_razorpay_billing_leads.postgres.sql:53',
  'constraint-without-not-valid control-migrations/sql/1007_subscriptions_razorpay_billing_leads.postgres.sql:66',
  'blocking-create-index control-migrations/sql/1007_subscriptions_razorpay_billing_leads.postgres.sql:72',
  'blocking-create-index control-migrations/sql/1007_subscriptions_razorpay_billing_leads.postgres.sql:74',
  'blocking-create-index control-migrations/sql/1007_subscriptions_razorpay_billing_leads.postgres.sql:76',
  'blocking-create-index control-migrations/sql/1007_subscriptions_razorpay_billing_leads.postgres.sql:77',
  'constraint-without-not-valid control-migrations/sql/1007_subscriptions_razorpay_billing_leads.postgres.sql:98',
  'constraint-without-not-valid control-migrations/sql/1007_subscriptions_razorpay_billing_leads.postgres.sql:111',
  'constraint-without-not-valid control-migrations/sql/1007_subscriptions_razorpay_billing_leads.postgres.sql:124',
  'blocking-create-index control-migrations/sql/1007_subscriptions_razorpay_billing_leads.postgres.sql:130',
  'blocking-create-index control-migrations/sql/1007_subscriptions_razorpay_billing_leads.postgres.sql:131',
  'blocking-create-index control-migrations/sql/1007_subscriptions_razorpay_billing_leads.postgres.sql:132',
  'blocking-create-index tenant-migrations/sql/2003_add_incidents_tenant_status.postgres.sql:7',
  'blocking-create-index tenant-migrations/sql/2003_add_incidents_tenant_status.postgres.sql:12',
  'blocking-create-index tenant-migrations/sql/2005_add_automation_jobs_tenant_status.postgres.sql:5',
  'blocking-create-index tenant-migrations/sql/2005_add_automation_jobs_tenant_status.postgres.sql:9',
  'constraint-without-not-valid tenant-migrations/sql/2007_add_workflow_source_discriminator.postgres.sql:19',
  'blocking-create-index tenant-migrations/sql/2007_add_workflow_source_discriminator.postgres.sql:29',
];

describe('the real registries', () => {
  it('lint with no errors; their warnings are exactly the documented ones', async () => {
    const result = await lintPaths([CONTROL_SQL, TENANT_SQL]);
    expect(result.files).toHaveLength(50);
    expect(result.ok).toBe(true);
    expect(result.allowances).toEqual([]);
    expect(result.findings.filter((f) => f.severity === 'error')).toEqual([]);
    expect(result.findings.map((f) => `${f.rule} ${f.file.slice(join(REPO_ROOT, 'packages/').length)}:${f.line}`)).toEqual(KNOWN_WARNINGS);
  });

  it('pass `npm run lint:migrations` from the root', async () => {
    // The script builds the engine with turbo, then lints. Its build half is not run here: a turbo cache hit
    // rewrites the engine's dist/ while other tests load it (the operator commands' turbo test uses --only
    // for the same reason); its lint half is run as written.
    const script = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts['lint:migrations'];
    const [build, lint] = script?.split(' && ') ?? [];
    expect(build).toBe('turbo run build --filter=@atlasai/migrator-core');
    const [bin, ...args] = lint?.split(' ') ?? [];
    expect(bin).toBe('atlas-migrate');
    const result = await cli(args);
    expect(result.code).toBe(0);
    expect(result.stdout.trimEnd().split('\n').at(-1)).toBe('lint: 0 errors, 21 warnings, 0 allowances in 50 files');
  });
});

/** A copy of the control registry package in a temporary workspace of its own, sharing its node_modules. */
function copyControlRegistry(): string {
  const root = mkdtempSync(join(tmpdir(), 'atlas-registry-'));
  for (const file of ['tsup.base.ts', 'tsconfig.base.json']) cpSync(join(REPO_ROOT, file), join(root, file));
  const source = join(REPO_ROOT, 'packages/control-migrations');
  const copy = join(root, 'packages/control-migrations');
  for (const entry of ['package.json', 'tsup.config.ts', 'tsconfig.json', 'src', 'sql']) cpSync(join(source, entry), join(copy, entry), { recursive: true });
  symlinkSync(join(source, 'node_modules'), join(copy, 'node_modules'), 'dir');
  return copy;
}

describe('a registry build', () => {
  it('succeeds on a copy of the control registry, and fails once a violating migration is added', async () => {
    const copy = copyControlRegistry();
    const clean = await run('npm', ['run', 'build'], { cwd: copy });
    expect(clean.code, clean.stderr).toBe(0);
    // The known warnings are one line on each build (lint --summary): a new error is never buried among them.
    expect(clean.stdout).toContain(
      'lint: 0 errors, 15 warnings (blocking-create-index: 8, constraint-without-not-valid: 7), 0 allowances in 14 files; atlas-migrate lint sql lists them\n',
    );
    expect(clean.stdout).not.toContain(': warning ');
    expect(clean.stdout).toContain('Build success');
    expect(existsSync(join(copy, 'dist/index.js'))).toBe(true);

    writeFileSync(join(copy, 'sql/1008_drop_tenant_region.postgres.sql'), '-- 1008 drop_tenant_region\nALTER TABLE tenants DROP COLUMN region;\n');
    writeFileSync(join(copy, 'sql/1008_drop_tenant_region.sqlite.sql'), '-- 1008 drop_tenant_region\nALTER TABLE tenants DROP COLUMN region;\n');
    const broken = await run('npm', ['run', 'build'], { cwd: copy });
    expect(broken.code).not.toBe(0);
    expect(broken.stdout).toContain('sql/1008_drop_tenant_region.postgres.sql:2:1: error drop-column: drops column tenants.region');
    expect(broken.stdout).toContain('sql/1008_drop_tenant_region.sqlite.sql:2:1: error drop-column: drops column tenants.region');
    expect(broken.stdout).toContain(
      'lint: 2 errors, 15 warnings (blocking-create-index: 8, constraint-without-not-valid: 7), 0 allowances in 16 files; atlas-migrate lint sql lists them\n',
    );
    // The lint runs before tsup: nothing of the broken registry was built.
    expect(broken.stdout).not.toContain('Build success');
  });
});
