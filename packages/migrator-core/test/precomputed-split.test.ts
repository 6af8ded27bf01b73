import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Registry } from '@atlasai/migrator-core';
import { PG_SPLIT_FORMAT, precomputePostgresSplit, restorePostgresSplit, splitPostgresScript } from '../src/dialects/postgres/statements.js';
import { createPostgresDatabase, REPO_ROOT, run, type TestDatabase } from '@atlasai/test-kit';

/**
 * A built registry carries PostgreSQL's split of each file (embedSqlPlugin): a run uses it instead of
 * parsing, so it must be exactly what parsing gives, and a split of another splitter's making is ignored.
 */

/** A registry package as built (they depend on this package, so they are loaded from their build output). */
const built = async (plane: 'control' | 'tenant') =>
  ((await import(join(REPO_ROOT, `packages/${plane}-migrations/dist/index.js`))) as { registry: Registry }).registry;

const TRICKY = [
  'CREATE TABLE t (x text CHECK (x ~ \'^a;b$\'), "we;ird" int);',
  '-- CREATE TABLE t (x text);\nCREATE INDEX CONCURRENTLY IF NOT EXISTS t_x ON t (x);',
  'ALTER TABLE t ADD COLUMN a int, ADD COLUMN IF NOT EXISTS b int;',
  'BEGIN;',
  "SET search_path = 'ünïcode — ✓ 𝄞', public;",
  'CREATE FUNCTION g() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT 2; END;',
  "DO $$ BEGIN RAISE NOTICE 'x;y'; END $$;",
  'COMMIT;',
].join('\n\n');

describe('precomputed PostgreSQL splits', () => {
  it('restore to exactly what parsing gives: text, place, transaction control, created objects, CONCURRENTLY', async () => {
    const split = await precomputePostgresSplit(TRICKY);
    expect(split?.format).toBe(PG_SPLIT_FORMAT);
    const parsed = await splitPostgresScript(TRICKY);
    const kind = (s: (typeof parsed)[number]) =>
      s.concurrently
        ? `concurrently ${s.concurrentIndex?.name}`
        : (s.transactionControl ?? s.creates?.kind ?? (s.actions ? 'actions' : s.sessionSetting ? 'setting' : '-'));
    expect(parsed.map(kind)).toEqual(['relation', 'concurrently t_x', 'actions', 'begin', 'setting', 'function', '-', 'commit']);
    // Stored as JSON, as the build stores it.
    expect(restorePostgresSplit(TRICKY, JSON.parse(JSON.stringify(split)))).toEqual(parsed);
  });

  it('every PostgreSQL file of both built registries carries one, equal to what parsing its text gives', async () => {
    for (const migration of [...(await built('control')).migrations, ...(await built('tenant')).migrations]) {
      const script = migration.scripts.postgres;
      expect(script.precomputedSplit?.format, script.file).toBe(PG_SPLIT_FORMAT);
      expect(restorePostgresSplit(script.sql, script.precomputedSplit), script.file).toEqual(await splitPostgresScript(script.sql));
    }
  });

  it('a split of another splitter (another engine or parser version) is not used; a file that does not parse gets none', async () => {
    const split = await precomputePostgresSplit(TRICKY);
    expect(restorePostgresSplit(TRICKY, { ...split!, format: 'atlas-pg-split-0/libpg-query-17.0.0' })).toBeUndefined();
    expect(await precomputePostgresSplit('CREATE TABLE ok (id int);\nSELEC 1;')).toBeUndefined();
  });

  it('names the libpg-query version installed', () => {
    const { version } = JSON.parse(readFileSync(join(REPO_ROOT, 'packages/migrator-core/node_modules/libpg-query/package.json'), 'utf8')) as {
      version: string;
    };
    expect(PG_SPLIT_FORMAT).toBe(`atlas-pg-split-1/libpg-query-${version}`);
  });
});

describe('a built registry applied on PostgreSQL', () => {
  let db: TestDatabase;
  beforeEach(async () => {
    db = await createPostgresDatabase();
  });
  afterEach(async () => {
    await db.drop();
  });

  const apply = async (source: 'built' | 'folder') => {
    const script = `
      const engine = await import('@atlasai/migrator-core');
      const registry = ${source === 'built' ? "(await import('@atlasai/control-migrations')).registry" : `await engine.loadRegistryFromDir(${JSON.stringify(join(REPO_ROOT, 'packages/control-migrations/sql'))}, { plane: 'control', sqlVariant: 'postgres' })`};
      const dialect = await engine.createDialect(process.argv[1], engine.silentLogger);
      const report = await engine.runMigrations({ registry, dialect, mode: 'apply', logger: engine.silentLogger });
      const parserLoaded = Object.keys((await import('node:module')).createRequire(import.meta.url).cache).some((k) => k.includes('libpg-query'));
      console.log(JSON.stringify({ ok: report.ok, applied: report.applied.map((a) => a.version), parserLoaded }));`;
    const result = await run(process.execPath, ['--input-type=module', '-e', script, db.url], { cwd: join(REPO_ROOT, 'apps/control-plane') });
    expect(result.stderr).toBe('');
    return JSON.parse(result.stdout) as { ok: boolean; applied: number[]; parserLoaded: boolean };
  };

  it('applies every migration without loading the parser; the same files from a folder load it', async () => {
    const versions = (await built('control')).migrations.map((m) => m.version);
    expect(await apply('built')).toEqual({ ok: true, applied: versions, parserLoaded: false });
    expect(await db.query('SELECT version FROM schema_migrations ORDER BY version')).toEqual(versions.map((version) => ({ version: String(version) })));
    await db.query('DROP SCHEMA public CASCADE; CREATE SCHEMA public');
    expect(await apply('folder')).toEqual({ ok: true, applied: versions, parserLoaded: true });
  });
});
