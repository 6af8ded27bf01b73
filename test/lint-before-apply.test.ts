import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cli as inProcess, DIALECTS, type TestDatabase } from '@atlasai/test-kit';

/** `plan` and `up` lint what they would apply: refused from a registry folder, warned about from any other. */
const CREATE = 'CREATE TABLE IF NOT EXISTS widgets (id integer PRIMARY KEY, name text);\n';
const DROP = 'ALTER TABLE widgets DROP COLUMN name;\n';
const FINDING =
  '2_drop.sql:1:1: drop-column: drops column widgets.name: dropping a column deletes its data and breaks older code that still selects it (forward-only: old code must keep working) [ALTER TABLE widgets DROP COLUMN name]';
const REFUSAL = `[APP] Error: REGISTRY_INVALID: A pending migration breaks the lint that this registry's build enforces: ${FINDING}. Nothing was applied.`;

describe.each(DIALECTS)('lint before apply on $name', ({ create }) => {
  let dir: string;
  let db: TestDatabase;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'atlas-lint-apply-'));
    db = await create();
  });
  afterEach(async () => {
    await db.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  const folder = (registry: boolean, files: Record<string, string>) => {
    const sql = registry ? join(dir, 'reg', 'sql') : join(dir, 'plain');
    mkdirSync(sql, { recursive: true });
    if (registry)
      writeFileSync(join(dir, 'reg', 'package.json'), JSON.stringify({ name: 'reg', atlasMigrations: { plane: 'app', range: { min: 1, max: 99 } } }));
    for (const [file, text] of Object.entries(files)) writeFileSync(join(sql, file), text);
    return sql;
  };
  const cli = (command: string, sql: string) => inProcess([command, '--dir', sql, '--label', 'app', '--url', db.url]);

  it('a DROP COLUMN from a registry folder: plan and up refuse it before anything runs (exit 2), naming the rule and the allowance', async () => {
    const sql = folder(true, { '1_widgets.sql': CREATE });
    expect((await cli('up', sql)).code).toBe(0);
    writeFileSync(join(sql, '2_drop.sql'), DROP);
    for (const command of ['plan', 'up']) {
      const result = await cli(command, sql);
      expect(result.code).toBe(2);
      expect(result.stdout).toContain(`${REFUSAL} Write the change additively (`);
      expect(result.stdout).toContain('or, if it is meant, put "-- atlas:allow <rule> <reason>" on the line before the statement (rule: drop-column)\n');
    }
    expect(await db.columns('widgets')).toEqual(['id', 'name']);
    expect((await db.query('SELECT version FROM schema_migrations ORDER BY version')).map((r) => Number(r.version))).toEqual([1]);

    writeFileSync(join(sql, '2_drop.sql'), `-- atlas:allow drop-column nothing reads name since 2024\n${DROP}`);
    const allowed = await cli('up', sql);
    expect(allowed.code).toBe(0);
    expect(await db.columns('widgets')).toEqual(['id']);
  });

  it('the same from a plain folder: applied, with the finding as a warning on stderr; nothing pending lints nothing', async () => {
    const sql = folder(false, { '1_widgets.sql': CREATE, '2_drop.sql': DROP });
    const plan = await cli('plan', sql);
    expect(plan.code).toBe(0);
    expect(plan.stderr).toContain(`[APP] Warning: lint: ${FINDING} Safe alternative: `);
    const up = await cli('up', sql);
    expect(up.code).toBe(0);
    expect(up.stderr).toContain(`[APP] Warning: lint: ${FINDING}`);
    expect(await db.columns('widgets')).toEqual(['id']);
    const again = await cli('up', sql);
    expect(again.stderr).not.toContain('Warning: lint');
  });
});
