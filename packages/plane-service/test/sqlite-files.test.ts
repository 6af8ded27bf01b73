import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '@atlasai/test-kit';
import { type ServiceProcess, startService, stopAllServices } from '@atlasai/test-kit/service';

/**
 * A SQLite file the service cannot use is a configuration problem: one fatal JSON line naming the file or
 * folder, exit 2, no stack trace. The tests run as root, who writes through permission bits, so the
 * folder is made read-only by the kernel: a read-only bind mount in a mount namespace of the service's
 * own (`unshare --mount`; the mount is gone with the process), or a file standing where the folder should be.
 */
const SECRET = 'sqlite-files-secret-22ab';

let dir: string | undefined;
afterEach(async () => {
  await stopAllServices();
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

/** Runs the service with `folder` bind-mounted read-only onto itself, for this process only. */
const readOnly = (folder: string) => ['unshare', '--mount', 'sh', '-c', 'mount --bind -o ro "$0" "$0" && exec "$@"', folder];

async function expectConfigFailure(service: ServiceProcess, file: string, message: string): Promise<void> {
  expect(await service.exited).toBe(2);
  const fatal = service.lines().filter((l) => l.level === 60);
  expect(fatal).toEqual([expect.objectContaining({ plane: 'tenant', file, msg: message })]);
  // Every line is JSON: no stack trace, no raw Node error.
  expect(
    service
      .output()
      .trim()
      .split('\n')
      .every((line) => line.startsWith('{')),
  ).toBe(true);
  expect(service.output()).not.toMatch(/\n\s+at /);
}

describe('a SQLite folder the service cannot write', () => {
  it('read-only, without the file yet: exit 2 naming the file it could not create', async () => {
    dir = mkdtempSync(join(tmpdir(), 'atlas-ro-'));
    const path = join(dir, 'tenant-plane.db');
    const service = startService('tenant', { TENANT_PLANE_DATABASE_URL: `sqlite:${path}`, INTERNAL_SERVICE_SECRET: SECRET }, { wrapper: readOnly(dir) });
    await expectConfigFailure(service, path, `Cannot use the SQLite database ${path}: cannot create or open for writing ${path} (read-only file system)`);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('the default file under the repository’s data/, on a read-only checkout: exit 2 naming what it could not write', async () => {
    // The whole checkout read-only for this one process: data/ may or may not exist yet, either way it cannot be written.
    const service = startService('tenant', { INTERNAL_SERVICE_SECRET: SECRET }, { wrapper: readOnly(REPO_ROOT) });
    expect(await service.exited).toBe(2);
    const data = join(REPO_ROOT, 'data');
    const path = join(data, 'tenant-plane.db');
    const [fatal, ...more] = service.lines().filter((l) => l.level === 60);
    expect(more).toEqual([]);
    expect([data, path]).toContain(fatal?.file);
    expect(fatal?.msg).toMatch(
      new RegExp(
        `^Cannot use the SQLite database ${path}: cannot (create the folder|create or open for writing) ${String(fatal?.file)} \\(read-only file system\\)$`,
      ),
    );
    expect(service.output()).not.toMatch(/\n\s+at /);
  });

  it('read-only, with the database and its lock already there (the service ran before): exit 2, nothing changed', async () => {
    dir = mkdtempSync(join(tmpdir(), 'atlas-ro-'));
    const path = join(dir, 'tenant-plane.db');
    const env = { TENANT_PLANE_DATABASE_URL: `sqlite:${path}`, INTERNAL_SERVICE_SECRET: SECRET };
    const earlier = startService('tenant', env);
    await earlier.ready();
    earlier.child.kill('SIGTERM');
    expect(await earlier.exited).toBe(0);
    const files = readdirSync(dir).sort();
    expect(files).toEqual(['tenant-plane.db', 'tenant-plane.db.service.lock']);

    const service = startService('tenant', env, { wrapper: readOnly(dir) });
    await expectConfigFailure(service, path, `Cannot use the SQLite database ${path}: cannot create or open for writing ${path} (read-only file system)`);
    expect(readdirSync(dir).sort()).toEqual(files);
  });

  it('a file where the folder should be: exit 2 naming the folder', async () => {
    dir = mkdtempSync(join(tmpdir(), 'atlas-ro-'));
    writeFileSync(join(dir, 'data'), 'not a folder\n');
    const folder = join(dir, 'data', 'planes');
    const path = join(folder, 'tenant-plane.db');
    const service = startService('tenant', { TENANT_PLANE_DATABASE_URL: `sqlite:${path}`, INTERNAL_SERVICE_SECRET: SECRET });
    await expectConfigFailure(
      service,
      folder,
      `Cannot use the SQLite database ${path}: cannot create the folder ${folder} (a file stands where a folder is expected)`,
    );
  });

  it('a folder where the database file should be: exit 2 naming it', async () => {
    dir = mkdtempSync(join(tmpdir(), 'atlas-ro-'));
    const path = join(dir, 'tenant-plane.db');
    mkdirSync(path);
    const service = startService('tenant', { TENANT_PLANE_DATABASE_URL: `sqlite:${path}`, INTERNAL_SERVICE_SECRET: SECRET });
    await expectConfigFailure(service, path, `Cannot use the SQLite database ${path}: cannot create or open for writing ${path} (it is a folder, not a file)`);
  });
});
