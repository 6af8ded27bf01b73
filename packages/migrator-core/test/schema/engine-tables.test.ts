import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createDialect, generateSnapshot, loadRegistryFromDir, redactUrl, renderSnapshot, silentLogger } from '@atlasai/migrator-core';
import { cli as inProcess, DIALECTS, type TestDatabase } from '@atlasai/test-kit';

/** The engine's own tables (history, audit trail, anything hanging off them) are never compared with a registry. */
const CREATE_A = 'CREATE TABLE IF NOT EXISTS a (id integer PRIMARY KEY, name text NOT NULL);\n';
const FILES: Record<string, string> = {
  '101_create_a.sql': CREATE_A,
  '102_index_a.sql': 'CREATE INDEX IF NOT EXISTS a_name ON a (name);\n',
};

describe.each(DIALECTS)('verify after baseline and repair on $name', ({ create }) => {
  let root: string;
  let db: TestDatabase;
  beforeEach(async () => {
    root = mkdtempSync(join(tmpdir(), 'atlas-engine-tables-'));
    mkdirSync(join(root, 'sql'));
    mkdirSync(join(root, 'schema'));
    for (const [name, text] of Object.entries(FILES)) writeFileSync(join(root, 'sql', name), text);
    db = await create();
  });
  afterEach(async () => {
    await db.drop();
    rmSync(root, { recursive: true, force: true });
  });

  /** The snapshot of the folder's files as they are now, made on an empty database (verify refuses an older one). */
  const writeCurrentSnapshot = async () => {
    const scratch = await create();
    try {
      const registry = await loadRegistryFromDir(join(root, 'sql'), { plane: 'shop' });
      const snapshot = await generateSnapshot({ registry, dialect: await createDialect(scratch.url, silentLogger) });
      writeFileSync(join(root, 'schema', `${db.dialect}.snapshot`), renderSnapshot(snapshot));
    } finally {
      await scratch.drop();
    }
  };

  const cli = (command: string, ...extra: string[]) => inProcess([command, '--url', db.url, '--dir', join(root, 'sql'), '--label', 'shop', ...extra]);
  /** verify's whole output when nothing differs and nothing is extra; returns how many objects it expected. */
  const expectClean = (stdout: string, applied: number): number => {
    const lines = stdout.split('\n');
    expect(lines[2]).toMatch(
      new RegExp(`^\\[SHOP\\] Compared with the ${db.dialect} snapshot: ${applied} applied migration\\(s\\), \\d+ object\\(s\\) expected\\.$`),
    );
    expect(lines).toEqual([
      '=== AtlasAI Schema Verification ===',
      `[SHOP] ${redactUrl(db.url).replace(/^sqlite:/, '')}`,
      lines[2],
      '[SHOP] No drift.',
      '[OK] The schema matches the registry.',
      '',
    ]);
    return Number(/(\d+) object/.exec(lines[2]!)![1]);
  };

  it('shows no Extra: the audit table baseline and repair create is the engine’s', async () => {
    await writeCurrentSnapshot();
    // A schema made by other means, recorded by baseline.
    await db.query(CREATE_A);
    expect((await cli('baseline', '--to', '101')).code).toBe(0);
    expect(await db.tableExists('schema_migrations_audit')).toBe(true);
    const afterBaseline = await cli('verify');
    expect(expectClean(afterBaseline.stdout, 1)).toBeGreaterThan(0);
    expect(afterBaseline.code).toBe(0);

    expect((await cli('up')).code).toBe(0);
    writeFileSync(join(root, 'sql', '101_create_a.sql'), `-- a: the first table\n${CREATE_A}`);
    expect((await cli('repair', '--version', '101', '--reason', 'comment added after it ran')).code).toBe(0);
    const audit = await db.query<{ action: string }>('SELECT action FROM schema_migrations_audit ORDER BY id');
    expect(audit.map((r) => r.action)).toEqual(['baseline', 'repair']);
    // The snapshot was made from 101 before its comment: verify would refuse it as older than the folder.
    await writeCurrentSnapshot();
    const afterRepair = await cli('verify');
    expectClean(afterRepair.stdout, 2);
    expect(afterRepair.code).toBe(0);
  });
});
