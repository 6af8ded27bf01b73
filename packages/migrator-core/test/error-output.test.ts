import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { renderPlane } from '../src/render-report.js';
import type { PlaneReport } from '../src/report.js';
import { cli, createPostgresDatabase, createSqliteDatabase, migrationFolder, REPO_ROOT, run, sqlitePath, type TestDatabase } from '@atlasai/test-kit';

/** Every line of `stdout` that `stderr` repeats. */
function repeated(result: { stdout: string; stderr: string }): string[] {
  const errLines = new Set(result.stderr.split('\n').filter((l) => l.trim() !== ''));
  return result.stdout.split('\n').filter((l) => l.trim() !== '' && errLines.has(l));
}

describe('output a person reads', () => {
  let db: TestDatabase;
  beforeEach(async () => {
    db = await createSqliteDatabase();
  });
  afterEach(async () => {
    await db.drop();
  });

  it('status keeps its columns aligned for 14-digit (timestamp) versions', async () => {
    const dir = migrationFolder({
      '20240101120000_create_users.sql': 'CREATE TABLE users (id integer);\n',
      '20240315093000_add_teams.sql': 'CREATE TABLE teams (id integer);\n',
    });
    expect((await cli(['up', '--url', db.url, '--dir', dir, '--label', 'app', '--to', '20240101120000'])).code).toBe(0);
    const result = await cli(['status', '--url', db.url, '--dir', dir, '--label', 'app']);
    expect(result.stdout.replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z/g, '<at>')).toBe(
      [
        '=== AtlasAI Migration Status ===',
        `[APP] ${sqlitePath(db)}`,
        '[APP] version         name         state    applied_at',
        '[APP] 20240101120000  create_users applied  <at>',
        '[APP] 20240315093000  add_teams    pending  -',
        '',
      ].join('\n'),
    );
  });

  it('progress on stderr never repeats a report line of stdout, read as separate pipes and merged', async () => {
    const files = { '1_a.sql': 'CREATE TABLE a (id integer);\n', '2_b.sql': 'CREATE TABLE b (id integer);\nSELECT nope FROM b;\n' };
    const dir = migrationFolder(files);
    // run() spawns with stdout and stderr as two pipes, as docker logs and CI runners read them.
    const failed = await cli(['up', '--url', db.url, '--dir', dir, '--label', 'app']);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain('[APP] Applying 1 (a)...');
    expect(failed.stdout).toContain('[APP] Connecting to database...');
    expect(repeated(failed)).toEqual([]);
    const dir2 = migrationFolder({ '1_a.sql': files['1_a.sql'] });
    const db2 = await createSqliteDatabase();
    try {
      const ok = await cli(['up', '--url', db2.url, '--dir', dir2, '--label', 'app']);
      expect(ok.code).toBe(0);
      expect(repeated(ok)).toEqual([]);
      // Merged into one stream (2>&1): each report line once.
      const merged = await run('sh', [
        '-c',
        `"${process.execPath}" "${join(REPO_ROOT, 'packages/migrator-core/bin/atlas-migrate.cjs')}" up --url "${db2.url}" --dir "${dir2}" --label app 2>&1`,
      ]);
      const lines = merged.stdout.split('\n').filter((l) => l !== '');
      expect(lines.filter((l) => l === '[APP] Connecting to database...')).toHaveLength(1);
      expect(lines.filter((l) => l === '[APP] Connected.')).toHaveLength(1);
    } finally {
      await db2.drop();
    }
  });

  it('a failing statement names its file and shows its line with a caret under the column; JSON keeps its fields', async () => {
    const dir = migrationFolder({ '1_tabs.sql': 'CREATE TABLE t (id integer);\n\tSELECT\tnope FROM t;\n' });
    const text = await cli(['up', '--url', db.url, '--dir', dir, '--label', 'app']);
    expect(text.stdout).toContain(
      ['[APP]   at 1_tabs.sql:2:2', '[APP]     2 | \tSELECT\tnope FROM t;', '[APP]       | \t^', '[APP] Migration 1 was rolled back'].join('\n'),
    );
    const json = JSON.parse((await cli(['up', '--url', db.url, '--dir', dir, '--label', 'app', '--json'])).stdout) as {
      planes: { error: Record<string, unknown> }[];
    };
    expect(json.planes[0]!.error).toMatchObject({ file: '1_tabs.sql', line: 2, column: 2 });
    expect(json.planes[0]!.error).not.toHaveProperty('sourceLine');
  });

  it('every JSON document the engine prints carries schemaVersion: lint, verify, repair and baseline', async () => {
    const dir = migrationFolder({ '1_a.sql': 'CREATE TABLE IF NOT EXISTS a (id integer);\n' });
    const lint = JSON.parse((await cli(['lint', dir, '--json'])).stdout) as Record<string, unknown>;
    expect(lint).toMatchObject({ schemaVersion: 1, ok: true });
    const baseline = await cli(['baseline', '--url', db.url, '--dir', dir, '--label', 'app', '--to', '1', '--json']);
    expect(JSON.parse(baseline.stdout)).toMatchObject({ schemaVersion: 1, ok: true, action: 'baseline', versions: [1] });
    const repair = await cli(['repair', '--url', db.url, '--dir', dir, '--label', 'app', '--version', '1', '--reason', 'test', '--json']);
    expect(JSON.parse(repair.stdout)).toMatchObject({ schemaVersion: 1, ok: true, action: 'repair' });
    const registry = join(REPO_ROOT, 'packages/control-migrations/sql');
    const control = await createSqliteDatabase();
    try {
      expect((await cli(['up', '--url', control.url, '--dir', registry])).code).toBe(0);
      const verify = await cli(['verify', '--url', control.url, '--dir', registry, '--json']);
      expect(JSON.parse(verify.stdout)).toMatchObject({ schemaVersion: 1, ok: true });
    } finally {
      await control.drop();
    }
  });
});

describe.each([
  { name: 'postgres', create: createPostgresDatabase, file: '1_broken.postgres.sql' },
  { name: 'sqlite', create: createSqliteDatabase, file: '1_broken.sqlite.sql' },
])('lint and plan on $name', ({ create, file }) => {
  let db: TestDatabase;
  beforeEach(async () => {
    db = await create();
  });
  afterEach(async () => {
    await db.drop();
  });

  it('give the same position for the same syntax error', async () => {
    const sql = '-- a table\nCREATE TABLE IF NOT EXISTS b (\n  id integer,\n  name text NOT NULL,,\n  other text\n);\n';
    const other = file.endsWith('.postgres.sql') ? '1_broken.sqlite.sql' : '1_broken.postgres.sql';
    const dir = migrationFolder({ [file]: sql, [other]: 'SELECT 1;\n' });
    const lint = await cli(['lint', join(dir, file)]);
    expect(lint.code).toBe(1);
    const linted = /:(\d+):(\d+): error syntax-error:/.exec(lint.stdout);
    expect(linted?.slice(1)).toEqual(['4', '22']);
    const plan = await cli(['plan', '--url', db.url, '--dir', dir, '--label', 'app', '--json']);
    const error = (JSON.parse(plan.stdout) as { planes: { error: { line: number; column: number } }[] }).planes[0]!.error;
    expect([String(error.line), String(error.column)]).toEqual(linted!.slice(1));
  });
});

describe('a lost lock', () => {
  it('says which migrations of the run did commit', () => {
    const base: PlaneReport = {
      plane: 'app',
      target: 'x.db',
      mode: 'apply',
      ok: false,
      connected: true,
      alreadyApplied: [],
      pending: [],
      unknownApplied: [],
      outOfOrder: [],
      unverified: [],
      drift: null,
      changed: true,
      applied: [1, 2].map((version) => ({
        version,
        name: `m${version}`,
        outcome: 'applied' as const,
        durationMs: 1,
        skippedStatements: [],
        alreadyPresent: [],
      })),
      error: {
        code: 'LOCK_LOST',
        message: 'The migration lock was lost: the session ended.',
        version: null,
        name: null,
        file: null,
        statement: null,
        line: null,
        column: null,
        sqlstate: null,
        dbCode: null,
        detail: null,
        hint: null,
        migration: null,
      },
    };
    expect(renderPlane(base).slice(-2)).toEqual([
      '[APP] Error: LOCK_LOST: The migration lock was lost: the session ended.',
      '[APP] Committed in this run, each with its schema_migrations row, before the lock was found lost: 1, 2.',
    ]);
    expect(renderPlane({ ...base, applied: [], changed: false }).slice(-2)).toEqual([
      '[APP] No migration of this run had committed when the lock was found lost.',
      '[APP] Nothing was changed.',
    ]);
  });
});
