import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  CHECKSUM_ALGORITHM,
  MigratorError,
  assertMigrated,
  checksumSql,
  defineRegistry,
  defineRegistryFromFiles,
  loadRegistryFromDir,
  migrationsFromFiles,
  parseDatabaseUrl,
  redactUrl,
  type PlaneReport,
} from '@atlasai/migrator-core';
import { migrationFolder } from '@atlasai/test-kit';

const range = { min: 100, max: 199 };

function registryError(fn: () => unknown): MigratorError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(MigratorError);
    return error as MigratorError;
  }
  throw new Error('expected a registry error');
}

describe('folder format', () => {
  it('reads a shared file, a dialect pair and the no-transaction marker', () => {
    const migrations = migrationsFromFiles([
      { fileName: '102_add_index.postgres.sql', text: '-- atlas:no-transaction\nCREATE INDEX CONCURRENTLY IF NOT EXISTS i ON t (x);\n' },
      { fileName: '102_add_index.sqlite.sql', text: 'CREATE INDEX IF NOT EXISTS i ON t (x);\n' },
      { fileName: '101_create_t.sql', text: 'CREATE TABLE IF NOT EXISTS t (x integer);\n' },
      { fileName: 'README.md', text: 'not a migration' },
    ]);
    expect(migrations.map((m) => [m.version, m.name])).toEqual([
      [101, 'create_t'],
      [102, 'add_index'],
    ]);
    expect(migrations[0]!.scripts.postgres.sql).toBe(migrations[0]!.scripts.sqlite.sql);
    expect(migrations[1]!.scripts.postgres.transactional).toBe(false);
    expect(migrations[1]!.scripts.sqlite.transactional).toBe(true);
    expect(migrations[1]!.scripts.postgres.file).toBe('102_add_index.postgres.sql');
  });

  it('rejects a malformed name, naming the file', () => {
    const error = registryError(() => migrationsFromFiles([{ fileName: '101_Create-T.sql', text: '' }]));
    expect(error.code).toBe('REGISTRY_INVALID');
    expect(error.message).toContain('101_Create-T.sql');
    expect(registryError(() => migrationsFromFiles([{ fileName: 'create_t.sql', text: '' }])).message).toContain('create_t.sql');
  });

  it('rejects duplicate versions, naming the file', () => {
    const error = registryError(() =>
      migrationsFromFiles([
        { fileName: '101_one.sql', text: '' },
        { fileName: '101_two.sql', text: '' },
      ]),
    );
    expect(error.message).toMatch(/101_two\.sql.*duplicate version/);
    expect(
      registryError(() =>
        migrationsFromFiles([
          { fileName: '101_one.sql', text: '' },
          { fileName: '101_one.sqlite.sql', text: '' },
        ]),
      ).message,
    ).toContain('duplicate version');
  });

  it('rejects a dialect file without its partner', () => {
    const error = registryError(() => migrationsFromFiles([{ fileName: '101_one.postgres.sql', text: 'SELECT 1;' }]));
    expect(error.message).toContain('101_one.postgres.sql');
    expect(error.message).toContain('no sqlite file');
  });

  it('rejects versions outside the range, naming the file', () => {
    const error = registryError(() => defineRegistryFromFiles({ plane: 'demo', range, files: [{ fileName: '200_late.sql', text: '' }] }));
    expect(error.message).toContain('200_late.sql');
    expect(error.message).toContain('outside the demo range 100-199');
  });

  it('rejects unordered or duplicate migrations handed to defineRegistry', () => {
    const [a, b] = migrationsFromFiles([
      { fileName: '101_a.sql', text: '' },
      { fileName: '102_b.sql', text: '' },
    ]);
    expect(registryError(() => defineRegistry({ plane: 'demo', range, migrations: [b!, a!] })).message).toContain('must ascend');
    expect(registryError(() => defineRegistry({ plane: 'demo', range, migrations: [a!, a!] })).message).toContain('duplicate version 101');
    expect(registryError(() => defineRegistry({ plane: 'Demo!', range, migrations: [] })).message).toContain('Invalid plane name');
  });

  it('freezes the registry', () => {
    const registry = defineRegistryFromFiles({ plane: 'demo', range, files: [{ fileName: '101_a.sql', text: 'SELECT 1;' }] });
    expect(Object.isFrozen(registry)).toBe(true);
    expect(Object.isFrozen(registry.migrations)).toBe(true);
    expect(Object.isFrozen(registry.migrations[0])).toBe(true);
  });

  it('loads a folder from disk and reports an unreadable one as a configuration error', async () => {
    const dir = migrationFolder({ '101_a.sql': 'SELECT 1;\n', '102_b.sql': 'SELECT 2;\n' });
    const registry = await loadRegistryFromDir(dir, { plane: 'demo', range });
    expect(registry.migrations.map((m) => m.version)).toEqual([101, 102]);
    await expect(loadRegistryFromDir(`${dir}/missing`, { plane: 'demo' })).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
  });
});

describe('checksums', () => {
  const sql = 'CREATE TABLE t (\n  x integer\n);\n';

  it('ignores line endings, a BOM and trailing whitespace', () => {
    const checksum = checksumSql(sql);
    expect(checksumSql(sql.replace(/\n/g, '\r\n'))).toBe(checksum);
    expect(checksumSql(`\uFEFF${sql}`)).toBe(checksum);
    expect(checksumSql(`${sql.replace(/\n/g, '   \n')}\n\n`)).toBe(checksum);
    expect(checksum).toMatch(/^[0-9a-f]{64}$/);
    expect(CHECKSUM_ALGORITHM).toBe('sha256-lf-trimmed-v1');
  });

  it('changes when the SQL changes', () => {
    expect(checksumSql(sql.replace('integer', 'bigint'))).not.toBe(checksumSql(sql));
    expect(checksumSql(sql.replace('  x', '    x'))).not.toBe(checksumSql(sql));
  });

  it('a large file is hashed in pieces to the SHA-256 of its UTF-8 bytes, a surrogate pair across a piece boundary included', () => {
    // 2^20 characters a piece: the emoji's two UTF-16 units straddle the first boundary, the é and 中 follow.
    for (const text of [`${'a'.repeat(2 ** 20 - 1)}😀 café 中文;`, `${'é'.repeat(2 ** 20)}${'b'.repeat(2 ** 20)}`, `${'x'.repeat(3 * 2 ** 20 + 7)}`]) {
      expect(checksumSql(text)).toBe(createHash('sha256').update(Buffer.from(text, 'utf8')).digest('hex'));
    }
  });
});

describe('database URLs', () => {
  it('picks the dialect from the URL', () => {
    expect(parseDatabaseUrl('postgres://u@h/db').kind).toBe('postgres');
    expect(parseDatabaseUrl('postgresql://u@h:5433/db').kind).toBe('postgres');
    expect(parseDatabaseUrl('sqlite:data/a.db')).toMatchObject({ kind: 'sqlite', path: 'data/a.db' });
    expect(parseDatabaseUrl('sqlite:///abs/a.db')).toMatchObject({ kind: 'sqlite', path: '/abs/a.db' });
    expect(parseDatabaseUrl('file:/tmp/a.db')).toMatchObject({ kind: 'sqlite', path: '/tmp/a.db' });
    expect(parseDatabaseUrl('./data/a.db')).toMatchObject({ kind: 'sqlite', path: './data/a.db' });
  });

  it('rejects what it cannot use', () => {
    for (const url of ['mysql://u:p@h/db', '', 'sqlite:', 'postgres://u:p@[bad/db']) {
      expect(() => parseDatabaseUrl(url)).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }) as Error);
    }
    let message = '';
    try {
      parseDatabaseUrl('mysql://u:hunter2@h/db');
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain('Unsupported database URL mysql://***@h/db:');
    expect(message).not.toContain('hunter2');
  });

  it('redacts passwords', () => {
    expect(redactUrl('postgresql://atlas:s3cr%40t@db:5432/atlas')).toBe('postgresql://atlas:***@db:5432/atlas');
    expect(redactUrl('postgresql://db/atlas?user=a&password=s3cret&sslmode=require')).toBe('postgresql://db/atlas?user=a&password=***&sslmode=require');
    expect(redactUrl('postgresql://atlas@db/atlas')).toBe('postgresql://atlas@db/atlas');
    expect(parseDatabaseUrl('postgresql://atlas:s3cr%40t@db/atlas').redacted).toBe('postgresql://atlas:***@db/atlas');
    expect(redactUrl('connect to postgres://a:pw@h1/x and postgresql://b:pw2@h2/y failed')).toBe(
      'connect to postgres://a:***@h1/x and postgresql://b:***@h2/y failed',
    );
    expect(redactUrl('password authentication failed for user "postgres"')).toBe('password authentication failed for user "postgres"');
  });
});

describe('assertMigrated', () => {
  const plane = (ok: boolean): PlaneReport => ({
    plane: 'tenant',
    target: 'sqlite:x.db',
    mode: 'apply',
    ok,
    connected: true,
    applied: [],
    alreadyApplied: [],
    pending: [],
    unknownApplied: [],
    outOfOrder: [],
    unverified: [],
    error: ok
      ? null
      : {
          code: 'STATEMENT_FAILED',
          message: 'no such table: x',
          version: 2005,
          name: 'add_things',
          file: '2005_add_things.sql',
          statement: 2,
          line: 7,
          column: 1,
          sqlstate: null,
          dbCode: 'SQLITE_ERROR',
          detail: null,
          hint: null,
          migration: { transactional: true, outcome: 'rolled-back', committedStatements: [] },
        },
  });

  it('passes a successful report and refuses a failed one, naming the plane and migration', () => {
    expect(() => assertMigrated({ ok: true, mode: 'apply', planes: [plane(true)] })).not.toThrow();
    let error: unknown;
    try {
      assertMigrated({ ok: false, mode: 'apply', planes: [plane(true), plane(false)] });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(MigratorError);
    expect(error).toMatchObject({ code: 'NOT_MIGRATED', plane: 'tenant', version: 2005 });
    expect((error as Error).message).toBe('Migrations failed for tenant at migration 2005 (add_things): no such table: x');
    expect(() => assertMigrated(plane(false))).toThrow(/Migrations failed for tenant/);
  });
});
