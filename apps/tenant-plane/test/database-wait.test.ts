import { execFileSync } from 'node:child_process';
import { chownSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { eventually, freePort } from '@atlasai/test-kit';
import { http, startService, stopAllServices } from '@atlasai/test-kit/service';

/** A service started before its PostgreSQL: boot waits for it (MIGRATION_CONNECT_WAIT_SECONDS), then migrates and serves. */
const PG_BIN = '/usr/lib/postgresql/15/bin';
const PASSWORD = 'wait-pw-never-logged-5e1b';
const WAITING = /^database not reachable yet: trying postgresql:\/\/postgres:\*\*\*@127\.0\.0\.1:\d+\/postgres again in \d+ ms$/;

/** A throwaway cluster, initialised but not started: `start()` brings it up on `port`. */
function throwawayCluster(port: number) {
  const dir = mkdtempSync(join(tmpdir(), 'atlas-late-pg-'));
  chownSync(dir, Number(execFileSync('id', ['-u', 'postgres']).toString()), Number(execFileSync('id', ['-g', 'postgres']).toString()));
  const data = join(dir, 'data');
  const asPostgres = (command: string, args: string[]) => execFileSync('runuser', ['-u', 'postgres', '--', join(PG_BIN, command), ...args], { stdio: 'pipe' });
  asPostgres('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '--no-sync']);
  let running = false;
  return {
    start() {
      asPostgres('pg_ctl', ['-D', data, '-l', join(dir, 'log'), '-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`, '-w', 'start']);
      running = true;
    },
    remove() {
      if (running) asPostgres('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

let cluster: ReturnType<typeof throwawayCluster> | undefined;
afterEach(async () => {
  await stopAllServices();
  cluster?.remove();
  cluster = undefined;
});

describe('tenant service started before its PostgreSQL', () => {
  it('keeps trying, one line per attempt naming the redacted target, then migrates and serves once the server is up', async () => {
    const port = await freePort();
    cluster = throwawayCluster(port);
    const service = startService('tenant', {
      TENANT_PLANE_DATABASE_URL: `postgresql://postgres:${PASSWORD}@127.0.0.1:${port}/postgres`,
      MIGRATION_CONNECT_WAIT_SECONDS: '120',
    });
    // The server comes up only once the service has been refused at least twice.
    await eventually(() => service.lines().filter((l) => WAITING.test(String(l.msg))).length >= 2, 30_000);
    cluster.start();
    const url = await service.ready();
    const waits = service.lines().filter((l) => l.level === 40 && String(l.msg).startsWith('database not reachable yet'));
    expect(waits.map((l) => l.attempt)).toEqual(waits.map((_, i) => i + 1));
    for (const line of waits)
      expect(line).toMatchObject({ database: `postgresql://postgres:***@127.0.0.1:${port}/postgres`, msg: expect.stringMatching(WAITING) });
    expect(service.lines().find((l) => l.msg === 'database reachable')).toMatchObject({ attempts: waits.length + 1 });
    expect(service.lines().find((l) => l.msg === 'startup migration complete')?.applied).toHaveLength(18);
    expect((await http(`${url}/api/health`)).body).toMatchObject({ status: 'ok', plane: 'tenant' });
    expect(service.output()).not.toContain(PASSWORD);
  });

  it('with MIGRATION_CONNECT_WAIT_SECONDS=2 and no server ever, exits 1 after about 2 s, every attempt logged once', async () => {
    const port = await freePort();
    const service = startService('tenant', {
      TENANT_PLANE_DATABASE_URL: `postgresql://postgres:${PASSWORD}@127.0.0.1:${port}/postgres`,
      MIGRATION_CONNECT_WAIT_SECONDS: '2',
    });
    expect(await service.exited, service.output()).toBe(1);
    const waits = service.lines().filter((l) => String(l.msg).startsWith('database not reachable yet'));
    const fatal = service.lines().find((l) => l.level === 60)!;
    expect(waits.length, service.output()).toBeGreaterThanOrEqual(2);
    expect(waits.map((l) => l.attempt)).toEqual(waits.map((_, i) => i + 1));
    for (const line of waits) expect(String(line.msg)).toMatch(WAITING);
    // The last attempt is the fatal line's: at the bound, measured on the service's own clock.
    expect(fatal).toMatchObject({
      attempt: waits.length + 1,
      database: `postgresql://postgres:***@127.0.0.1:${port}/postgres`,
      msg: `database unreachable: postgresql://postgres:***@127.0.0.1:${port}/postgres (gave up after ${waits.length + 1} attempts in 2 s, MIGRATION_CONNECT_WAIT_SECONDS)`,
    });
    expect(Number(fatal.time) - Number(waits[0]!.time)).toBeGreaterThanOrEqual(1_500);
    expect(Number(fatal.time) - Number(waits[0]!.time)).toBeLessThan(10_000);
    expect(service.lines().some((l) => l.msg === 'listening')).toBe(false);
    expect(service.output()).not.toContain(PASSWORD);
  });
});
