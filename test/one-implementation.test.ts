import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cli, DIALECTS, operatorScript, type RunResult, type TestDatabase } from '@atlasai/test-kit';

/**
 * atlas-migrate on a registry's sql/ folder and the repository's operator commands on that plane are one
 * implementation: the same plane, the same snapshot, the same drift check and exit codes.
 */
const DIR = 'packages/control-migrations/sql';

// `npm run --silent <script> -- --plane control …`, run in this process by the kit (as atlas-migrate is, by `cli`).
const npmRun = (db: TestDatabase, script: string, args: string[] = []): Promise<RunResult> =>
  operatorScript(script, ['--plane', 'control', ...args], { CONTROL_PLANE_DATABASE_URL: db.url });
const engine = (db: TestDatabase, args: string[]) => cli([...args, '--dir', DIR], { DATABASE_URL: db.url });

describe.each(DIALECTS)('atlas-migrate --dir and the operator commands on $name', ({ create }) => {
  let db: TestDatabase;
  beforeEach(async () => {
    db = await create();
  });
  afterEach(async () => {
    await db.drop();
  });

  it('up --dir checks drift with the snapshot beside the folder; verify reads DATABASE_URL and labels the folder with its plane; status --exit-code counts drift', async () => {
    const first = await engine(db, ['up', '--to', '1006']);
    expect(first.code, first.stderr).toBe(0);
    await db.query(`ALTER TABLE billing_invoices ADD COLUMN razorpay_order_id ${db.dialect === 'postgres' ? 'integer' : 'INTEGER'}`);
    const [expected, actual] = db.dialect === 'postgres' ? ['text', 'integer'] : ['TEXT', 'INTEGER'];
    const warning = `[CONTROL] Warning: schema drift: Different: column billing_invoices.razorpay_order_id (1007): expected \`${expected}\`, actual \`${actual}\``;
    const up = await engine(db, ['up']);
    expect(up.code, up.stderr).toBe(0);
    expect(up.stdout.split('\n')).toContain(warning);

    const verify = await engine(db, ['verify']);
    const script = await npmRun(db, 'migrate:verify');
    expect(verify.code).toBe(1);
    expect(verify.stdout).toContain('[CONTROL] Different: column billing_invoices.razorpay_order_id (1007)');
    // The same output, but for where each took its URL from, which the target line on stderr says.
    expect({ ...verify, stderr: verify.stderr.replace('(DATABASE_URL)', '(CONTROL_PLANE_DATABASE_URL)') }).toEqual(script);

    const status = await engine(db, ['status', '--exit-code']);
    const scriptStatus = await npmRun(db, 'migrate:status', ['--exit-code']);
    expect(status.code).toBe(1);
    expect(status.stdout).toContain('[CONTROL] Drift: Different: column billing_invoices.razorpay_order_id (1007)');
    expect(scriptStatus.code).toBe(1);
    expect(status.stdout.replace(/\d{4}-\d\d-\d\dT[\d:.]+Z/g, '<at>')).toBe(scriptStatus.stdout.replace(/\d{4}-\d\d-\d\dT[\d:.]+Z/g, '<at>'));
  });
});

describe('--to past the last migration', () => {
  let db: TestDatabase;
  beforeEach(async () => {
    db = await DIALECTS[1]!.create();
  });
  afterEach(async () => {
    await db.drop();
  });

  it('says so on stderr and applies everything pending (exit 0), in atlas-migrate and the operator commands', async () => {
    const result = await engine(db, ['plan', '--to', '1010']);
    expect(result.code).toBe(0);
    expect(result.stderr).toContain("atlas-migrate: warning: --to 1010 is past the last migration (control's is 1007): every pending migration is included\n");
    expect(result.stdout).toContain('[CONTROL] Would apply 7 migration(s): 1001, 1002, 1003, 1004, 1005, 1006, 1007\n');
    const script = await npmRun(db, 'migrate:versioned', ['--to', '1010']);
    expect(script.code).toBe(0);
    expect(script.stderr).toContain('atlas-migrate: warning: --to 1010 is past the last migration');
    expect(script.stdout).toContain('[CONTROL] Applied 7 migration(s)');
    // Within the range of the run's planes, nothing is said.
    expect((await engine(db, ['up', '--to', '1007'])).stderr).not.toContain('warning');
  });

  it('up --help says the lock is keyed on the database, not on --label', async () => {
    const help = await cli(['up', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout.replace(/\s+/g, ' ')).toContain('the lock is keyed on the database and its history table, not on this name');
  });
});
