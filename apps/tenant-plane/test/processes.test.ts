import { existsSync } from 'node:fs';
import { createDialect, runMigrations, silentLogger } from '@atlasai/migrator-core';
import { registry } from '@atlasai/tenant-migrations';
import { afterEach, describe, expect, it } from 'vitest';
import { createPostgresDatabase, createSqliteDatabase, eventually, sqlitePath, type TestDatabase } from '@atlasai/test-kit';
import { http, type ServiceProcess, startService, stopAllServices } from '@atlasai/test-kit/service';

/** Replicas, shutdown, configuration and logs: each a real process (the SQLite single-instance guard: plane-service's instance-lock test). */
const TENANT = Array.from({ length: 18 }, (_, i) => 2001 + i);
const SECRET = 'processes-test-secret-7f3a';

let db: TestDatabase | undefined;
afterEach(async () => {
  await stopAllServices();
  await db?.drop();
  db = undefined;
});

const appliedAtBoot = (service: ServiceProcess) => service.lines().find((l) => l.msg === 'startup migration complete')?.applied as number[];
const versions = async (database: TestDatabase) =>
  (await database.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version')).map((r) => Number(r.version));

describe('tenant service on PostgreSQL', () => {
  it('two replicas booting at once on one database both come up, and each migration is applied once', async () => {
    db = await createPostgresDatabase();
    const env = { TENANT_PLANE_DATABASE_URL: db.url, INTERNAL_SERVICE_SECRET: SECRET };
    const replicas = [startService('tenant', env), startService('tenant', env)];
    const urls = await Promise.all(replicas.map((r) => r.ready()));
    const applied = replicas.map(appliedAtBoot);
    expect([...applied[0]!, ...applied[1]!].sort()).toEqual(TENANT);
    expect(await versions(db)).toEqual(TENANT);
    for (const url of urls) expect((await http(`${url}/api/health`)).status).toBe(200);
  });

  it('SIGTERM during a migrate call: no new connections, the call completes, the process exits 0', async () => {
    db = await createPostgresDatabase();
    const dialect = await createDialect(db.url, silentLogger);
    expect((await runMigrations({ registry, dialect, mode: 'apply', logger: silentLogger, to: 2002 })).ok).toBe(true);
    const service = startService('tenant', { TENANT_PLANE_DATABASE_URL: db.url, INTERNAL_SERVICE_SECRET: SECRET, MIGRATE_ON_STARTUP: 'false' });
    const url = await service.ready();
    // Hold incidents so that 2003 (an index on it) blocks mid-run, inside its transaction.
    await db.query('BEGIN');
    await db.query('LOCK TABLE incidents IN ACCESS EXCLUSIVE MODE');
    const call = http(`${url}/api/db/migrate`, { method: 'POST', secret: SECRET });
    call.catch(() => undefined); // awaited below; a failed assertion before then must not leave it unhandled
    await eventually(async () => {
      // This client is inside its transaction, where pg_stat_activity would stay the first snapshot.
      await db!.query('SELECT pg_stat_clear_snapshot()');
      const rows = await db!.query(`SELECT 1 FROM pg_stat_activity WHERE application_name LIKE 'atlas-migrate:tenant%' AND wait_event_type = 'Lock'`);
      return rows.length > 0;
    });
    service.child.kill('SIGTERM');
    await eventually(() => service.lines().some((l) => l.msg === 'shutting down: no new connections, finishing in-flight requests'));
    await expect(fetch(`${url}/api/health`)).rejects.toThrow();
    await new Promise((r) => setTimeout(r, 300));
    expect(service.child.exitCode).toBeNull();
    await db.query('COMMIT');
    const response = await call;
    expect(response.status).toBe(200);
    expect(response.body.applied.map((m: { version: number }) => m.version)).toEqual(TENANT.slice(2));
    expect(await service.exited).toBe(0);
    expect(await versions(db)).toEqual(TENANT);
  });

  it('no secret and no database password ever reaches the log', async () => {
    db = await createPostgresDatabase();
    // Trust authentication ignores the password, so the URL still connects.
    const password = 'pw-that-must-not-leak-91c2';
    const withPassword = db.url
      .replace('postgresql://postgres@', `postgresql://postgres:${password}@`)
      .replace('postgresql://postgres:postgres@', `postgresql://postgres:${password}@`);
    expect(withPassword).toContain(password);
    const service = startService('tenant', { TENANT_PLANE_DATABASE_URL: withPassword, INTERNAL_SERVICE_SECRET: SECRET });
    const url = await service.ready();
    expect((await http(`${url}/api/db/migrate`, { method: 'POST', secret: SECRET })).status).toBe(200);
    expect((await http(`${url}/api/db/status`, { secret: SECRET })).status).toBe(200);
    expect((await http(`${url}/api/db/migrate`, { method: 'POST', secret: `${SECRET}-wrong` })).status).toBe(401);
    service.child.kill('SIGTERM');
    expect(await service.exited).toBe(0);
    expect(service.output()).toContain('postgresql://postgres:***@');
    expect(service.output()).not.toContain(password);
    expect(service.output()).not.toContain(SECRET);
  });
});

describe('tenant service configuration', () => {
  it('lists every problem at once and exits 2, with the URL redacted', async () => {
    const service = startService('tenant', {
      PORT: 'eighty',
      MIGRATE_ON_STARTUP: 'maybe',
      MIGRATION_LOCK_TIMEOUT_SECONDS: '-1',
      TENANT_PLANE_DATABASE_URL: 'mysql://atlas:hunter2@db/atlas',
    });
    expect(await service.exited).toBe(2);
    expect(service.lines()).toEqual([
      expect.objectContaining({
        level: 60,
        msg: 'invalid configuration',
        plane: 'tenant',
        problems: [
          'PORT must be integer, got "eighty"',
          'MIGRATE_ON_STARTUP must be boolean, got "maybe"',
          'MIGRATION_LOCK_TIMEOUT_SECONDS must be >= 0, got "-1"',
          'TENANT_PLANE_DATABASE_URL: Unsupported database URL mysql://***@db/atlas: expected postgres://, postgresql://, sqlite:<path>, file:<path> or a file path',
        ],
      }),
    ]);
    expect(service.output()).not.toContain('hunter2');
  });

  it('a secret no header could carry (padded, or not ASCII) is refused at boot: exit 2, the reason, never the secret', async () => {
    const padded = ' padded-secret-3f9a ';
    const nonAscii = 'sécret-ünïcode-3f9a';
    const cases: [string, string][] = [
      [
        padded,
        'INTERNAL_SERVICE_SECRET begins or ends with whitespace (a space, tab or line break): HTTP strips it from a header value, so every call would be refused (401). Remove it',
      ],
      [
        `${SECRET}\n`,
        'INTERNAL_SERVICE_SECRET begins or ends with whitespace (a space, tab or line break): HTTP strips it from a header value, so every call would be refused (401). Remove it',
      ],
      [
        nonAscii,
        'INTERNAL_SERVICE_SECRET holds a character outside printable ASCII (a letter with an accent, an emoji, a control character): an HTTP header cannot carry it as written, so every call would be refused (401). Use printable ASCII only',
      ],
    ];
    for (const [secret, problem] of cases) {
      db = await createSqliteDatabase();
      const service = startService('tenant', { TENANT_PLANE_DATABASE_URL: db.url, INTERNAL_SERVICE_SECRET: secret });
      expect(await service.exited).toBe(2);
      expect(service.lines()).toEqual([expect.objectContaining({ level: 60, msg: 'invalid configuration', plane: 'tenant', problems: [problem] })]);
      expect(service.output()).not.toContain('3f9a');
      expect(service.output()).not.toContain(SECRET);
      // Refused before the database was touched.
      expect(existsSync(sqlitePath(db))).toBe(false);
      await db.drop();
      db = undefined;
    }
  });
});
