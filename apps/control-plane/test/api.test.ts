import { join } from 'node:path';
import { createDialect, runMigrations, silentLogger } from '@atlasai/migrator-core';
import { registry } from '@atlasai/control-migrations';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { createPostgresDatabase, DIALECTS, REPO_ROOT, type TestDatabase } from '@atlasai/test-kit';
import { startPgBouncer } from '@atlasai/test-kit/pgbouncer';
import { http, type InProcessApp, listenApp, startService, stopAllServices } from '@atlasai/test-kit/service';
import { createApp, loadConfig, type ControlDatabase } from '../src/index.js';

/** The Control Plane: its boot, and the 1007 features (invoices, leads) over a real socket, on both dialects. */
const CONTROL = [1001, 1002, 1003, 1004, 1005, 1006, 1007];
const SECRET = 'control-test-secret-0b9e';
const TENANT_ID = '3b2a1c0d-9e8f-4a7b-b6c5-d4e3f2a1b0c9';
const OTHER_TENANT = '9c8b7a6d-5e4f-4321-8fed-cba987654321';
const SUBSCRIPTION_ID = '5d4c3b2a-1f0e-4d9c-8b7a-6f5e4d3c2b1a';

let db: TestDatabase | undefined;
let service: InProcessApp | undefined;
afterEach(async () => {
  await stopAllServices();
  await service?.close();
  service = undefined;
  await db?.drop();
  db = undefined;
});

const start = (env: Record<string, string>) => listenApp<ControlDatabase>((e) => loadConfig(e, '/nonexistent'), createApp, env);

async function seed(database: TestDatabase): Promise<void> {
  const p = (n: number) =>
    (database.dialect === 'postgres' ? Array.from({ length: n }, (_, i) => `$${i + 1}`) : Array.from({ length: n }, () => '?')).join(', ');
  for (const [id, name] of [
    [TENANT_ID, 'Acme'],
    [OTHER_TENANT, 'Globex'],
  ])
    await database.query(`INSERT INTO tenants (id, name) VALUES (${p(2)})`, [id, name]);
  await database.query(`INSERT INTO subscriptions (id, tenant_id, plan) VALUES (${p(3)})`, [SUBSCRIPTION_ID, TENANT_ID, 'pro']);
  await database.query(
    `INSERT INTO billing_invoices (tenant_id, invoice_number, status, subtotal_minor, amount_due_minor, line_items, issued_at, created_at,
       subscription_id, razorpay_invoice_id, razorpay_order_id, razorpay_payment_id, payment_method, tax_minor, amount_paid_minor, paid_at, invoice_pdf_url)
     VALUES (${p(17)})`,
    [
      TENANT_ID,
      'INV-2026-0002',
      'paid',
      100000,
      118000,
      JSON.stringify([{ description: 'Pro plan', amountMinor: 100000 }]),
      '2026-02-01T00:00:00.000Z',
      '2026-02-01T00:00:00.000Z',
      SUBSCRIPTION_ID,
      'inv_RZP002',
      'order_RZP002',
      'pay_RZP002',
      'upi',
      18000,
      118000,
      '2026-02-03T09:30:00.000Z',
      'https://rzp.io/i/inv002',
    ],
  );
  await database.query(`INSERT INTO billing_invoices (tenant_id, invoice_number, status, amount_due_minor, created_at) VALUES (${p(5)})`, [
    TENANT_ID,
    'INV-2026-0001',
    'issued',
    5000,
    '2026-01-01T00:00:00.000Z',
  ]);
  await database.query(`INSERT INTO billing_invoices (tenant_id, invoice_number, created_at) VALUES (${p(3)})`, [
    OTHER_TENANT,
    'INV-2026-0003',
    '2026-03-01T00:00:00.000Z',
  ]);
  await database.query(`INSERT INTO signup_leads (email, company_name, created_at, status, source, company_size, demo_requested_at) VALUES (${p(7)})`, [
    'ceo@initech.example',
    'Initech',
    '2026-01-10T00:00:00.000Z',
    'demo_scheduled',
    'pricing_page',
    '51-200',
    '2026-01-11T12:00:00.000Z',
  ]);
  await database.query(`INSERT INTO signup_leads (email, created_at) VALUES (${p(2)})`, ['dev@hooli.example', '2026-01-12T00:00:00.000Z']);
}

describe.each(DIALECTS)('control plane on $name', ({ create }) => {
  it('boot applies 1001–1007, then serves health 200; a second boot applies nothing', async () => {
    db = await create();
    const first = startService('control', { CONTROL_PLANE_DATABASE_URL: db.url, INTERNAL_SERVICE_SECRET: SECRET });
    const url = await first.ready();
    expect(first.lines().find((l) => l.msg === 'startup migration complete')).toMatchObject({ plane: 'control', applied: CONTROL });
    expect(await http(`${url}/api/health`)).toEqual({
      status: 200,
      body: { status: 'ok', plane: 'control', schema: { latestApplied: 1007, pending: [], unknownApplied: [] } },
    });
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    const second = startService('control', { CONTROL_PLANE_DATABASE_URL: db.url, INTERNAL_SERVICE_SECRET: SECRET });
    await second.ready();
    expect(second.lines().find((l) => l.msg === 'startup migration complete')).toMatchObject({ applied: [], report: { alreadyApplied: CONTROL } });
  });

  it('invoices and leads: 503 "schema behind" before 1007, their rows with the 1007 columns after it', async () => {
    db = await create();
    const report = await runMigrations({ registry, dialect: await createDialect(db.url, silentLogger), mode: 'apply', logger: silentLogger, to: 1006 });
    expect(report.ok).toBe(true);
    service = await start({ CONTROL_PLANE_DATABASE_URL: db.url, INTERNAL_SERVICE_SECRET: SECRET });
    const get = (path: string) => http(`${service!.url}${path}`, { secret: SECRET });
    expect(await get(`/api/billing/invoices?tenantId=${TENANT_ID}`)).toEqual({ status: 503, body: { error: 'schema behind', requires: 1007 } });
    expect(await get('/api/admin/leads')).toEqual({ status: 503, body: { error: 'schema behind', requires: 1007 } });
    expect((await http(`${service.url}/api/health`)).body.schema).toEqual({ latestApplied: 1006, pending: [1007], unknownApplied: [] });

    const migrated = await http(`${service.url}/api/db/migrate`, { method: 'POST', secret: SECRET });
    expect(migrated.status).toBe(200);
    expect(migrated.body.applied.map((m: { version: number }) => m.version)).toEqual([1007]);
    await seed(db);

    const invoices = await get(`/api/billing/invoices?tenantId=${TENANT_ID}`);
    expect(invoices.status).toBe(200);
    expect(invoices.body.invoices).toEqual([
      {
        id: expect.any(String),
        tenantId: TENANT_ID,
        invoiceNumber: 'INV-2026-0002',
        status: 'paid',
        currency: 'INR',
        subtotalMinor: 100000,
        taxMinor: 18000,
        amountDueMinor: 118000,
        amountPaidMinor: 118000,
        lineItems: [{ description: 'Pro plan', amountMinor: 100000 }],
        periodStart: null,
        periodEnd: null,
        issuedAt: '2026-02-01T00:00:00.000Z',
        dueAt: null,
        paidAt: '2026-02-03T09:30:00.000Z',
        subscriptionId: SUBSCRIPTION_ID,
        razorpayInvoiceId: 'inv_RZP002',
        razorpayOrderId: 'order_RZP002',
        razorpayPaymentId: 'pay_RZP002',
        paymentMethod: 'upi',
        invoicePdfUrl: 'https://rzp.io/i/inv002',
        createdAt: '2026-02-01T00:00:00.000Z',
      },
      expect.objectContaining({
        invoiceNumber: 'INV-2026-0001',
        status: 'issued',
        amountDueMinor: 5000,
        taxMinor: 0,
        amountPaidMinor: 0,
        lineItems: [],
        subscriptionId: null,
        paidAt: null,
      }),
    ]);

    const leads = await get('/api/admin/leads');
    expect(leads.status).toBe(200);
    expect(leads.body.leads).toEqual([
      {
        id: expect.any(String),
        email: 'ceo@initech.example',
        fullName: null,
        companyName: 'Initech',
        jobTitle: null,
        country: null,
        message: null,
        status: 'demo_scheduled',
        source: 'pricing_page',
        companySize: '51-200',
        demoRequestedAt: '2026-01-11T12:00:00.000Z',
        assignedTo: null,
        convertedTenantId: null,
        createdAt: '2026-01-10T00:00:00.000Z',
      },
      expect.objectContaining({ email: 'dev@hooli.example', status: 'new', source: null, demoRequestedAt: null }),
    ]);
    expect((await get('/api/admin/leads?status=new')).body.leads.map((l: { email: string }) => l.email)).toEqual(['dev@hooli.example']);
    expect((await get('/api/admin/leads?demoRequested=true')).body.leads.map((l: { email: string }) => l.email)).toEqual(['ceo@initech.example']);

    for (const bad of [
      '/api/billing/invoices',
      '/api/billing/invoices?tenantId=1%3B%20DROP%20TABLE%20billing_invoices',
      '/api/admin/leads?status=hot',
      '/api/admin/leads?limit=501',
    ]) {
      expect((await get(bad)).status).toBe(400);
    }
    expect((await http(`${service.url}/api/billing/invoices?tenantId=${TENANT_ID}`)).status).toBe(401);
    expect((await http(`${service.url}/api/admin/leads`, { secret: 'wrong' })).status).toBe(401);
  });
});

describe('control plane configuration', () => {
  it('defaults: port 3001 on 0.0.0.0, the plane’s SQLite file under data/, migrate on startup, 60 s lock wait, no secret', () => {
    expect(loadConfig({}, join(REPO_ROOT, 'data'))).toEqual({
      plane: 'control',
      port: 3001,
      host: '0.0.0.0',
      database: { kind: 'sqlite', path: join(REPO_ROOT, 'data', 'control-plane.db'), redacted: join(REPO_ROOT, 'data', 'control-plane.db'), secrets: [] },
      internalServiceSecret: null,
      migrateOnStartup: true,
      lockTimeoutMs: 60_000,
      batchMigrations: true,
      logLevel: 'info',
      logFormat: 'json',
      connectWaitMs: 30_000,
      databaseSource: 'default',
      migrationDatabase: {
        kind: 'sqlite',
        path: join(REPO_ROOT, 'data', 'control-plane.db'),
        redacted: join(REPO_ROOT, 'data', 'control-plane.db'),
        secrets: [],
      },
      migration: { connectWaitMs: 30_000 },
    });
    expect(
      loadConfig(
        { CONTROL_PLANE_DATABASE_URL: '  ', INTERNAL_SERVICE_SECRET: '', MIGRATE_ON_STARTUP: 'false', MIGRATION_LOCK_TIMEOUT_SECONDS: '5' },
        '/srv/data',
      ),
    ).toMatchObject({
      database: { kind: 'sqlite', path: '/srv/data/control-plane.db' },
      internalServiceSecret: null,
      migrateOnStartup: false,
      lockTimeoutMs: 5_000,
    });
    // The migration session's own URL and PostgreSQL bounds, for deployments behind a transaction pooler.
    const pooled = loadConfig(
      {
        CONTROL_PLANE_DATABASE_URL: 'postgresql://app:pw@pgbouncer:6432/atlas',
        MIGRATION_DATABASE_URL: 'postgresql://migrator:pw@db:5432/atlas',
        MIGRATION_DDL_LOCK_TIMEOUT_SECONDS: '3',
        MIGRATION_LOCK_RETRIES: '2',
        MIGRATION_CONCURRENT_LOCK_TIMEOUT_SECONDS: '120',
        MIGRATION_CONNECT_WAIT_SECONDS: '10',
      },
      '/srv/data',
    );
    expect(pooled.migrationDatabase).toMatchObject({ kind: 'postgres', redacted: 'postgresql://migrator:***@db:5432/atlas' });
    expect(pooled.migration).toEqual({ ddlLockTimeoutMs: 3000, lockRetries: 2, concurrentLockTimeoutMs: 120_000, connectWaitMs: 10_000 });
    expect(() => loadConfig({ MIGRATION_DATABASE_URL: 'postgresql://db/atlas', MIGRATION_DDL_LOCK_TIMEOUT_SECONDS: '0' }, '/srv/data')).toThrow(
      /MIGRATION_DDL_LOCK_TIMEOUT_SECONDS must be >= 1.*MIGRATION_DATABASE_URL must name the same kind of database as CONTROL_PLANE_DATABASE_URL/,
    );
  });
});

describe('control plane behind a transaction pooler', () => {
  // The application's URL goes through PgBouncer in transaction mode, which the migration lock cannot use.
  it('boots by migrating through MIGRATION_DATABASE_URL (direct), and refuses to migrate through the pooler without it', async () => {
    const bouncer = await startPgBouncer(inject('pgAdminUrl'), 'transaction');
    try {
      db = await createPostgresDatabase();
      const pooled = bouncer.through(db.url);
      const refused = startService('control', { CONTROL_PLANE_DATABASE_URL: pooled, INTERNAL_SERVICE_SECRET: SECRET });
      await expect(refused.ready()).rejects.toThrow(/TRANSACTION_POOLER/);
      expect(await refused.exited).not.toBe(0);
      expect(await db.tableExists('schema_migrations')).toBe(false);

      const booted = startService('control', { CONTROL_PLANE_DATABASE_URL: pooled, MIGRATION_DATABASE_URL: db.url, INTERNAL_SERVICE_SECRET: SECRET });
      const url = await booted.ready();
      expect(booted.lines().find((l) => l.msg === 'startup migration complete')).toMatchObject({ plane: 'control', applied: CONTROL });
      expect(await db.query('SELECT version FROM schema_migrations ORDER BY version')).toEqual(CONTROL.map((v) => ({ version: String(v) })));
      // The application's own queries go through the pooler and see the migrated schema.
      expect((await http(`${url}/api/admin/leads`, { secret: SECRET })).status).toBe(200);
    } finally {
      await stopAllServices();
      await bouncer.stop();
    }
  });
});
