import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createDialect, generateSnapshot, loadRegistryFromDir, redactUrl, renderSnapshot, silentLogger } from '@atlasai/migrator-core';
import { cli, createPostgresDatabase, DIALECTS, sqlitePath, type TestDatabase } from '@atlasai/test-kit';

/**
 * A migration that fails on an object no migration made (made by hand, or by another tool) names that
 * object and says so, when the registry has a schema snapshot beside its folder (`../schema/`); an
 * object a migration did make, or a folder without a snapshot, gets no such sentence.
 */

const FILES = {
  '1_events.sql': 'CREATE TABLE events (id integer PRIMARY KEY, kind text NOT NULL);\n',
  // Renames events away and makes a new one: run again after its history row is lost, it meets audit_log.
  '2_archive.sql': 'ALTER TABLE events RENAME TO audit_log;\nCREATE TABLE events (id integer PRIMARY KEY, kind text NOT NULL);\n',
  '3_events_kind.sql': 'CREATE INDEX events_by_kind ON events (kind);\n',
};

const SENTENCE = "is in the database but not in the registry's schema snapshot: no migration made it";

interface JsonError {
  code: string;
  version: number;
  statement: number;
  hint: string | null;
  unrecordedObject?: { kind: string; name: string };
}

describe.each(DIALECTS)('a failure on an object no migration made ($name)', ({ name: dialect, create }) => {
  let root: string;
  let db: TestDatabase;
  beforeEach(async () => {
    root = mkdtempSync(join(tmpdir(), 'atlas-unmade-'));
    mkdirSync(join(root, 'sql'));
    for (const [file, text] of Object.entries(FILES)) writeFileSync(join(root, 'sql', file), text);
    db = await create();
  });
  afterEach(async () => {
    await db.drop();
    rmSync(root, { recursive: true, force: true });
  });

  const sqlDir = () => join(root, 'sql');
  const up = (...extra: string[]) => cli(['up', '--url', db.url, '--dir', sqlDir(), '--label', 'app', ...extra]);
  const errorOf = (stdout: string) => (JSON.parse(stdout) as { planes: { error: JsonError }[] }).planes[0]!.error;

  /** The snapshot the folder's migrations make, written where `--dir` finds it. */
  async function writeSnapshot(): Promise<void> {
    const scratch = await create();
    try {
      const registry = await loadRegistryFromDir(sqlDir(), { plane: 'app' });
      mkdirSync(join(root, 'schema'));
      writeFileSync(
        join(root, 'schema', `${dialect}.snapshot`),
        renderSnapshot(await generateSnapshot({ registry, dialect: await createDialect(scratch.url, silentLogger) })),
      );
    } finally {
      await scratch.drop();
    }
  }

  /** Migrations 1 and 2 applied, then a table made by hand whose name migration 3's index takes. */
  async function handMadeTable(): Promise<void> {
    expect((await up('--to', '2')).code).toBe(0);
    await db.query('CREATE TABLE events_by_kind (kind text)');
  }

  it("names the hand-made table that a later migration's CREATE INDEX collides with, and says no migration made it", async () => {
    await writeSnapshot();
    await handMadeTable();
    const result = await up();
    expect(result.code).toBe(1);
    const verify = `atlas-migrate verify --dir ${sqlDir()} --url ${dialect === 'sqlite' ? sqlitePath(db) : redactUrl(db.url)}`;
    expect(result.stdout).toContain(
      `[APP]   Hint: table events_by_kind ${SENTENCE} (it was made by hand or by another tool). Drop or rename it if nothing needs it, or rename what migration 3 creates; to keep it, add it to a migration (IF NOT EXISTS) and regenerate the snapshot. ${verify} shows every difference between the database and the snapshot.\n`,
    );
    const json = await up('--json');
    expect(json.code).toBe(1);
    const error = errorOf(json.stdout);
    expect(error).toMatchObject({ code: 'STATEMENT_FAILED', version: 3, statement: 1, unrecordedObject: { kind: 'table', name: 'events_by_kind' } });
    // Nothing of migration 3 was applied; the hand-made table is left as it was.
    expect(await db.tableExists('events_by_kind')).toBe(true);
    expect((await db.query<{ version: unknown }>('SELECT version FROM schema_migrations ORDER BY version')).map((r) => Number(r.version))).toEqual([1, 2]);
  });

  it('says nothing of the kind when the object is in the snapshot (a migration made it)', async () => {
    await writeSnapshot();
    expect((await up()).code).toBe(0);
    // Migration 2's row lost (a restore of the history alone): run again, its RENAME meets the audit_log it made.
    await db.query('DELETE FROM schema_migrations WHERE version = 2');
    const result = await up();
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/Error in migration 2 \(archive\) at statement 1/);
    expect(result.stdout).not.toContain(SENTENCE);
    const error = errorOf((await up('--json')).stdout);
    expect(error.version).toBe(2);
    expect(error.unrecordedObject).toBeUndefined();
  });

  it('says nothing of the kind without a snapshot beside the folder', async () => {
    await handMadeTable();
    const result = await up();
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/Error in migration 3 \(events_kind\) at statement 1/);
    expect(result.stdout).not.toContain(SENTENCE);
    expect(errorOf((await up('--json')).stdout).unrecordedObject).toBeUndefined();
  });

  it('says nothing of the kind when the snapshot is older than the registry', async () => {
    writeFileSync(join(root, 'sql', '3_events_kind.sql'), '-- not yet\nSELECT 1;\n');
    await writeSnapshot();
    writeFileSync(join(root, 'sql', '3_events_kind.sql'), FILES['3_events_kind.sql']);
    await handMadeTable();
    const result = await up();
    expect(result.code).toBe(1);
    expect(result.stdout).not.toContain(SENTENCE);
  });
});

describe("PostgreSQL: an index by hand that takes a migration's constraint name, or refuses its rows", () => {
  let root: string;
  let db: TestDatabase;
  beforeEach(async () => {
    root = mkdtempSync(join(tmpdir(), 'atlas-unmade-pg-'));
    mkdirSync(join(root, 'sql'));
    mkdirSync(join(root, 'schema'));
    db = await createPostgresDatabase();
  });
  afterEach(async () => {
    await db.drop();
    rmSync(root, { recursive: true, force: true });
  });

  async function folder(files: Record<string, string>): Promise<string> {
    for (const [file, text] of Object.entries(files)) writeFileSync(join(root, 'sql', file), text);
    const scratch = await createPostgresDatabase();
    try {
      const registry = await loadRegistryFromDir(join(root, 'sql'), { plane: 'app' });
      writeFileSync(
        join(root, 'schema', 'postgres.snapshot'),
        renderSnapshot(await generateSnapshot({ registry, dialect: await createDialect(scratch.url, silentLogger) })),
      );
    } finally {
      await scratch.drop();
    }
    return join(root, 'sql');
  }

  it('an index named like the constraint a migration adds', async () => {
    const dir = await folder({
      '1_users.sql': 'CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL);\n',
      '2_users_email.sql': 'ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE (email);\n',
    });
    expect((await cli(['up', '--url', db.url, '--dir', dir, '--label', 'app', '--to', '1'])).code).toBe(0);
    await db.query('CREATE INDEX users_email_key ON users (lower(email))');
    const result = await cli(['up', '--url', db.url, '--dir', dir, '--label', 'app', '--json']);
    expect(result.code).toBe(1);
    const error = (JSON.parse(result.stdout) as { planes: { error: JsonError }[] }).planes[0]!.error;
    expect(error).toMatchObject({ code: 'STATEMENT_FAILED', version: 2, unrecordedObject: { kind: 'index', name: 'users.users_email_key' } });
    expect(error.hint).toMatch(new RegExp(`^index users\\.users_email_key ${SENTENCE.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
  });

  it('a unique index added by hand that refuses the rows a migration inserts (23505)', async () => {
    const dir = await folder({
      '1_plans.sql': 'CREATE TABLE plans (id bigint PRIMARY KEY, code text NOT NULL, tier text NOT NULL);\n',
      '2_seed.sql': "INSERT INTO plans (id, code, tier) VALUES (1, 'basic', 'free'), (2, 'team', 'free');\n",
    });
    expect((await cli(['up', '--url', db.url, '--dir', dir, '--label', 'app', '--to', '1'])).code).toBe(0);
    await db.query('CREATE UNIQUE INDEX plans_one_per_tier ON plans (tier)');
    const result = await cli(['up', '--url', db.url, '--dir', dir, '--label', 'app']);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('SQLSTATE 23505');
    expect(result.stdout).toContain(`[APP]   Hint: index plans.plans_one_per_tier ${SENTENCE}`);
  });
});
