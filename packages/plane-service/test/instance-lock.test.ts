import { existsSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createSqliteDatabase, run, sqlitePath, type TestDatabase } from '@atlasai/test-kit';
import { http, type ServiceProcess, startService, stopAllServices } from '@atlasai/test-kit/service';

/**
 * The SQLite one-instance guard, with real processes: an exclusive SQLite lock on `<database>.service.lock`
 * that the kernel holds on the file and ends with the process.
 */
const SECRET = 'instance-lock-secret-5e21';
const TENANT = Array.from({ length: 18 }, (_, i) => 2001 + i);
/** Each process in a PID namespace of its own, where it is PID 1 (as in a container); the namespace dies with it. */
const OWN_PID_NAMESPACE = ['unshare', '--pid', '--fork', '--mount-proc', '--kill-child'];

let db: TestDatabase | undefined;
afterEach(async () => {
  await stopAllServices();
  await db?.drop();
  db = undefined;
});

const refusal = (database: string) =>
  `Another service process already serves the SQLite database ${database} (it holds the lock on ${database}.service.lock). SQLite serves one instance only: multi-replica deployments need PostgreSQL.`;
const pidOf = (service: ServiceProcess) => service.lines().find((l) => l.msg === 'listening')?.pid;
const versions = async (database: TestDatabase) =>
  (await database.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version')).map((r) => Number(r.version));

async function expectRefused(service: ServiceProcess, database: string): Promise<void> {
  expect(await service.exited).toBe(4);
  expect(service.lines().filter((l) => l.level === 60)).toEqual([expect.objectContaining({ msg: refusal(database), lockFile: `${database}.service.lock` })]);
}

describe('the SQLite instance lock', () => {
  it('a second service process on the same file exits 4; the operator commands migrate the file while the first serves', async () => {
    db = await createSqliteDatabase();
    const env = { TENANT_PLANE_DATABASE_URL: db.url, INTERNAL_SERVICE_SECRET: SECRET, MIGRATE_ON_STARTUP: 'false' };
    const first = startService('tenant', env);
    const url = await first.ready();
    await expectRefused(startService('tenant', env), sqlitePath(db));

    // The engine writes the database itself while the service holds its lock.
    const cli = await run(process.execPath, ['scripts/migrate-versioned.mjs', '--plane', 'tenant'], { env: { TENANT_PLANE_DATABASE_URL: db.url } });
    expect(cli.code).toBe(0);
    expect(await versions(db)).toEqual(TENANT);
    expect((await http(`${url}/api/health`)).status).toBe(200);
    expect((await http(`${url}/api/db/migrate`, { method: 'POST', secret: SECRET })).body).toMatchObject({ ok: true, applied: [], alreadyApplied: TENANT });
  });

  it('two services in separate PID namespaces, both PID 1, on one file: the second exits 4', async () => {
    db = await createSqliteDatabase();
    const env = { TENANT_PLANE_DATABASE_URL: db.url, INTERNAL_SERVICE_SECRET: SECRET };
    const first = startService('tenant', env, { wrapper: OWN_PID_NAMESPACE });
    await first.ready();
    expect(pidOf(first)).toBe(1);
    const second = startService('tenant', env, { wrapper: OWN_PID_NAMESPACE });
    await expectRefused(second, sqlitePath(db));
    // It was PID 1 too: the pid a lock file once held could not tell these two apart.
    expect(second.lines()[0]?.pid).toBe(1);
  });

  it('a second service reaching the file through a symbolic link exits 4', async () => {
    db = await createSqliteDatabase();
    const real = sqlitePath(db);
    const link = join(dirname(real), 'link-to-test.db');
    symlinkSync(real, link);
    const first = startService('tenant', { TENANT_PLANE_DATABASE_URL: db.url, INTERNAL_SERVICE_SECRET: SECRET });
    await first.ready();
    await expectRefused(startService('tenant', { TENANT_PLANE_DATABASE_URL: `sqlite:${link}`, INTERNAL_SERVICE_SECRET: SECRET }), real);
    // The same the other way round: the link first, the file's own name second.
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    const viaLink = startService('tenant', { TENANT_PLANE_DATABASE_URL: `sqlite:${link}`, INTERNAL_SERVICE_SECRET: SECRET });
    await viaLink.ready();
    await expectRefused(startService('tenant', { TENANT_PLANE_DATABASE_URL: db.url, INTERNAL_SERVICE_SECRET: SECRET }), real);
  });

  it('the lock of a killed process (SIGKILL) or an earlier release’s pid file naming a live process blocks nothing; stop keeps the file', async () => {
    db = await createSqliteDatabase();
    const env = { TENANT_PLANE_DATABASE_URL: db.url, INTERNAL_SERVICE_SECRET: SECRET };
    const lockFile = `${sqlitePath(db)}.service.lock`;
    const killed = startService('tenant', env);
    await killed.ready();
    killed.child.kill('SIGKILL');
    expect(await killed.exited).toBeNull();
    expect(existsSync(lockFile)).toBe(true);
    const inode = statSync(lockFile).ino;

    const next = startService('tenant', env);
    await next.ready();
    next.child.kill('SIGTERM');
    expect(await next.exited).toBe(0);
    // Never deleted: a new file would be a new inode, which a waiting process would lock unseen.
    expect(statSync(lockFile).ino).toBe(inode);

    // An earlier release wrote its holder's pid; this one (the test runner) is alive and serves nothing.
    writeFileSync(lockFile, `${process.pid}\n`);
    const afterUpgrade = startService('tenant', env);
    await afterUpgrade.ready();
    await expectRefused(startService('tenant', env), sqlitePath(db));
    expect(statSync(lockFile).ino).toBe(inode);
  });
});
