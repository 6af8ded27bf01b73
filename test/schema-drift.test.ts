import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { controlPlane } from '@atlasai/planes';
import { redactUrl, stateAfter } from '@atlasai/migrator-core';
import { DIALECTS, operatorScript, type RunResult, sqlitePath, type TestDatabase } from '@atlasai/test-kit';
import { migrate } from '@atlasai/test-kit/registry-proofs';

/** `npm run migrate:verify` and the drift warning of a run, on the control registry, as an operator runs them. */
const registry = controlPlane.registry;

const npmRun = (db: TestDatabase, script: string, args: string[] = []): Promise<RunResult> =>
  operatorScript(script, ['--plane', 'control', ...args], { CONTROL_PLANE_DATABASE_URL: db.url });

const lines = (...body: string[]) => `${body.join('\n')}\n`;

/** How many objects the snapshot expects after the control registry's first `upTo` versions. */
function expectedObjects(dialect: 'postgres' | 'sqlite', upTo: number): number {
  const applied = new Set(registry.migrations.filter((m) => m.version <= upTo).map((m) => m.version));
  return registry.snapshots![dialect]!.objects.filter((o) => stateAfter(o, applied) !== null).length;
}

const target = (db: TestDatabase) => (db.dialect === 'postgres' ? redactUrl(db.url) : sqlitePath(db));
/** The line on stderr naming the plane's database before verify connects. */
const targetLine = (db: TestDatabase) =>
  `[CONTROL] target: ${db.dialect === 'postgres' ? redactUrl(db.url) : `sqlite:${sqlitePath(db)}`} (CONTROL_PLANE_DATABASE_URL)\n`;

/** Everything verify could change: the catalog, the history, and (SQLite) the file's bytes. */
async function fingerprint(db: TestDatabase): Promise<string> {
  const history = JSON.stringify(await db.query('SELECT version, name, checksum, outcome FROM schema_migrations ORDER BY version'));
  const file =
    db.dialect === 'sqlite'
      ? createHash('sha256')
          .update(readFileSync(sqlitePath(db)))
          .digest('hex')
      : '';
  return `${await db.catalog()}\n${history}\n${file}`;
}

describe.each(DIALECTS)('schema drift on $name', ({ create }) => {
  let db: TestDatabase;
  beforeEach(async () => {
    db = await create();
  });
  afterEach(async () => {
    await db.drop();
  });

  it('a fully migrated database verifies clean, and verify changes nothing', async () => {
    expect((await migrate(registry, db)).ok).toBe(true);
    const before = await fingerprint(db);
    const result = await npmRun(db, 'migrate:verify');
    expect(result).toEqual({
      code: 0,
      stderr: targetLine(db),
      stdout: lines(
        '=== AtlasAI Schema Verification ===',
        `[CONTROL] ${target(db)}`,
        `[CONTROL] Compared with the ${db.dialect} snapshot: 7 applied migration(s), ${expectedObjects(db.dialect, 1007)} object(s) expected.`,
        '[CONTROL] No drift.',
        '[OK] The schema matches the registry.',
      ),
    });
    expect(await fingerprint(db)).toBe(before);
  });

  it('a database migrated to 1005 verifies clean: 1006 and 1007 are not expected yet', async () => {
    expect((await migrate(registry, db, 1005)).ok).toBe(true);
    const result = await npmRun(db, 'migrate:verify');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(
      `[CONTROL] Compared with the ${db.dialect} snapshot: 5 applied migration(s), ${expectedObjects(db.dialect, 1005)} object(s) expected.\n[CONTROL] No drift.\n`,
    );
    expect(expectedObjects(db.dialect, 1005)).toBeLessThan(expectedObjects(db.dialect, 1007));
  });

  it('names each kind of drift with the version that defines it, exits 1, and changes nothing', async () => {
    expect((await migrate(registry, db)).ok).toBe(true);
    const pg = db.dialect === 'postgres';
    await db.query('DROP INDEX ix_billing_invoices_status');
    await db.query('ALTER TABLE billing_invoices DROP COLUMN notes');
    await db.query('CREATE TABLE scratch_notes (id integer PRIMARY KEY, body text)');
    if (pg) {
      await db.query('ALTER TABLE billing_invoices ALTER COLUMN razorpay_order_id TYPE integer USING NULL');
      await db.query(`ALTER TABLE billing_invoices ALTER COLUMN currency SET DEFAULT 'USD'`);
      await db.query('ALTER TABLE billing_invoices DROP CONSTRAINT billing_invoices_tax_minor_check');
    }
    const before = await fingerprint(db);
    const result = await npmRun(db, 'migrate:verify');
    const findings = pg
      ? [
          "[CONTROL] Different: column billing_invoices.currency (1002): expected `text NOT NULL DEFAULT 'INR'::text`, actual `text NOT NULL DEFAULT 'USD'::text`",
          '[CONTROL] Missing: column billing_invoices.notes (1002): expected `text`',
          '[CONTROL] Different: column billing_invoices.razorpay_order_id (1007): expected `text`, actual `integer`',
          '[CONTROL] Missing: constraint billing_invoices.billing_invoices_tax_minor_check (1007): expected `CHECK ((tax_minor >= 0))`',
          '[CONTROL] Missing: index billing_invoices.ix_billing_invoices_status (1002): expected `USING btree (status)`',
          '[CONTROL] Extra: table scratch_notes (not in the registry, with 3 part(s))',
          '[CONTROL] Drift: 3 missing, 2 different; 1 extra object(s), not an error.',
        ]
      : [
          '[CONTROL] Missing: column billing_invoices.notes (1002): expected `TEXT`',
          '[CONTROL] Missing: index billing_invoices.ix_billing_invoices_status (1002): expected `(status)`',
          '[CONTROL] Extra: table scratch_notes (not in the registry, with 3 part(s))',
          '[CONTROL] Drift: 2 missing, 0 different; 1 extra object(s), not an error.',
        ];
    expect(result).toEqual({
      code: 1,
      stderr: targetLine(db),
      stdout: lines(
        '=== AtlasAI Schema Verification ===',
        `[CONTROL] ${target(db)}`,
        `[CONTROL] Compared with the ${db.dialect} snapshot: 7 applied migration(s), ${expectedObjects(db.dialect, 1007)} object(s) expected.`,
        ...findings,
        '[FAIL] Schema drift or verification failure in CONTROL.',
      ),
    });
    expect(await fingerprint(db)).toBe(before);
    const json = JSON.parse((await npmRun(db, 'migrate:verify', ['--json'])).stdout);
    expect(json.ok).toBe(false);
    expect(json.planes[0].findings).toContainEqual({
      kind: 'missing',
      objectKind: 'column',
      name: 'billing_invoices.notes',
      version: 1002,
      expected: pg ? 'text' : 'TEXT',
      actual: null,
    });
  });

  it('migrate:status shows drift too, and --exit-code fails on it', async () => {
    expect((await migrate(registry, db)).ok).toBe(true);
    expect((await npmRun(db, 'migrate:status', ['--exit-code'])).code).toBe(0);
    await db.query('DROP INDEX ix_billing_invoices_status');
    const status = await npmRun(db, 'migrate:status');
    expect(status.code).toBe(0);
    const index = db.dialect === 'postgres' ? 'USING btree (status)' : '(status)';
    expect(status.stdout.split('\n').filter((l) => / (Drift|Note): /.test(l))).toEqual([
      `[CONTROL] Drift: Missing: index billing_invoices.ix_billing_invoices_status (1002): expected \`${index}\``,
    ]);
    expect((await npmRun(db, 'migrate:status', ['--exit-code'])).code).toBe(1);
    const json = JSON.parse((await npmRun(db, 'migrate:status', ['--json'])).stdout);
    expect(json).toMatchObject({ schemaVersion: 2, ok: true, upToDate: false, planes: [{ plane: 'control', drift: { ok: false, error: null } }] });
    expect(json.planes[0].drift.findings).toEqual([
      { kind: 'missing', objectKind: 'index', name: 'billing_invoices.ix_billing_invoices_status', version: 1002, expected: index, actual: null },
    ]);
  });

  it('an extra table alone is reported, not an error: exit 0', async () => {
    expect((await migrate(registry, db)).ok).toBe(true);
    await db.query('CREATE TABLE scratch_notes (id integer PRIMARY KEY, body text)');
    const result = await npmRun(db, 'migrate:verify');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(
      '[CONTROL] Extra: table scratch_notes (not in the registry, with 3 part(s))\n[CONTROL] No drift; 1 extra object(s), not an error.\n[OK] The schema matches the registry.\n',
    );
  });

  it('billing_invoices.razorpay_order_id added by hand as an integer before 1007: the run succeeds and warns', async () => {
    expect((await migrate(registry, db, 1006)).ok).toBe(true);
    await db.query(`ALTER TABLE billing_invoices ADD COLUMN razorpay_order_id ${db.dialect === 'postgres' ? 'integer' : 'INTEGER'}`);
    const result = await npmRun(db, 'migrate:versioned');
    const [expected, actual] = db.dialect === 'postgres' ? ['text', 'integer'] : ['TEXT', 'INTEGER'];
    const warning = `[CONTROL] Warning: schema drift: Different: column billing_invoices.razorpay_order_id (1007): expected \`${expected}\`, actual \`${actual}\``;
    expect(result.code).toBe(0);
    const out = result.stdout.split('\n');
    expect(out).toContain(warning);
    expect(out.indexOf(warning)).toBe(out.indexOf('[CONTROL] All migrations completed successfully.') - 1);
    expect(out).toContain('[OK] Migration run complete.');
    // The JSON report carries the same finding; verify then reports it as drift (exit 1).
    await db.query(`DELETE FROM schema_migrations WHERE version = 1007`);
    const json = JSON.parse((await npmRun(db, 'migrate:versioned', ['--json'])).stdout);
    expect(json.ok).toBe(true);
    expect(json.planes[0].drift).toEqual({
      versions: [1007],
      findings: [{ kind: 'different', objectKind: 'column', name: 'billing_invoices.razorpay_order_id', version: 1007, expected, actual }],
      error: null,
    });
    expect((await npmRun(db, 'migrate:verify')).code).toBe(1);
  });
});
