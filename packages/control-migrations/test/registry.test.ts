import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { registry } from '@atlasai/control-migrations';
import { DIALECTS, operatorScript, type TestDatabase } from '@atlasai/test-kit';
import { migrate, registryProofs } from '@atlasai/test-kit/registry-proofs';

describe('the control registry', () => {
  it('holds exactly the guide’s versions and names', () => {
    expect(registry.plane).toBe('control');
    expect(registry.range).toEqual({ min: 1001, max: 1099 });
    expect(registry.migrations.map((m) => `${m.version} ${m.name}`)).toEqual([
      '1001 control_oauth_signup',
      '1002 control_subscriptions',
      '1003 control_system_config',
      '1004 add_tenant_slug',
      '1005 add_password_reset_tokens',
      '1006 add_tenant_byoc_configs',
      '1007 subscriptions_razorpay_billing_leads',
    ]);
  });
});

registryProofs(registry, { count: 7, sqliteOnlyTables: [] });

describe.each(DIALECTS)('the guide’s control-plane cases on $name', ({ create }) => {
  let db: TestDatabase;
  beforeEach(async () => {
    db = await create();
  });
  afterEach(async () => {
    await db.drop();
  });

  it('1007 adds exactly 9 columns to billing_invoices and 5 to signup_leads', async () => {
    await migrate(registry, db, 1006);
    const invoices = await db.columns('billing_invoices');
    const leads = await db.columns('signup_leads');
    expect((await migrate(registry, db)).ok).toBe(true);
    const addedInvoices = (await db.columns('billing_invoices')).filter((c) => !invoices.includes(c));
    const addedLeads = (await db.columns('signup_leads')).filter((c) => !leads.includes(c));
    expect(addedInvoices).toHaveLength(9);
    expect(addedInvoices).toContain('subscription_id');
    expect(addedLeads).toHaveLength(5);
  });

  it('(e) an older three-column schema_migrations at 1005: prints Applied 1006, 1007 and Skipped 5', async () => {
    await migrate(registry, db, 1005);
    for (const column of ['checksum', 'checksum_algorithm', 'execution_ms', 'outcome', 'statements_checksum']) {
      await db.query(`ALTER TABLE schema_migrations DROP COLUMN ${column}`);
    }
    expect(await db.columns('schema_migrations')).toEqual(['applied_at', 'name', 'version']);
    const result = await operatorScript('migrate:versioned:control', [], { CONTROL_PLANE_DATABASE_URL: db.url });
    expect(result.stdout).toBe(
      [
        '=== AtlasAI Versioned Migration Runner ===',
        'Mode: APPLY',
        '[CONTROL] Connecting to database...',
        '[CONTROL] Connected.',
        '[CONTROL] Applied 2 migration(s): 1006, 1007',
        '[CONTROL] Skipped 5 already-applied migration(s)',
        '[CONTROL] All migrations completed successfully.',
        '[OK] Migration run complete.',
        '',
      ].join('\n'),
    );
    expect(result.code).toBe(0);
    const rows = await db.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version');
    expect(rows.map((r) => Number(r.version))).toEqual([1001, 1002, 1003, 1004, 1005, 1006, 1007]);
  });

  it('(f) billing_invoices.subscription_id added by hand before 1007: the run succeeds and adds every other column', async () => {
    await migrate(registry, db, 1006);
    await db.query(`ALTER TABLE billing_invoices ADD COLUMN subscription_id ${db.dialect === 'postgres' ? 'uuid' : 'TEXT'}`);
    const before = await db.columns('billing_invoices');
    const result = await operatorScript('migrate:versioned:control', [], { CONTROL_PLANE_DATABASE_URL: db.url });
    // The guide's "column already exists" case, made visible: which statement, which line, which object.
    const found =
      db.dialect === 'postgres'
        ? 'statement 1 (line 19): column "subscription_id" of relation "billing_invoices" already exists, skipped'
        : 'statement 1 (line 20): duplicate column name: subscription_id, skipped';
    expect(result.stdout).toBe(
      [
        '=== AtlasAI Versioned Migration Runner ===',
        'Mode: APPLY',
        '[CONTROL] Connecting to database...',
        '[CONTROL] Connected.',
        '[CONTROL] Applied 1 migration(s): 1007',
        '[CONTROL] Skipped 6 already-applied migration(s)',
        `[CONTROL] Note: 1007 found objects already present: ${found}`,
        // SQLite declares the foreign key inline: the hand-made column lacks it, and the drift check says so.
        ...(db.dialect === 'sqlite'
          ? [
              '[CONTROL] Warning: schema drift: Missing: constraint billing_invoices.foreign_key(subscription_id) (1007): expected `FOREIGN KEY (subscription_id) REFERENCES subscriptions (id) ON DELETE RESTRICT`',
            ]
          : []),
        '[CONTROL] All migrations completed successfully.',
        '[OK] Migration run complete.',
        '',
      ].join('\n'),
    );
    expect(result.code).toBe(0);
    const added = (await db.columns('billing_invoices')).filter((c) => !before.includes(c));
    expect(added).toHaveLength(8);
    expect(await db.columns('billing_invoices')).toContain('subscription_id');
    const rows = await db.query<{ version: number; outcome: string }>('SELECT version, outcome FROM schema_migrations WHERE version = 1007');
    expect(rows.map((r) => [Number(r.version), r.outcome])).toEqual([[1007, 'applied']]);
  });
});
