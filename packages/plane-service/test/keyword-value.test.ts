import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import pg from 'pg';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { createPostgresDatabase, type TestDatabase } from '@atlasai/test-kit';
import { http, startService, stopAllServices } from '@atlasai/test-kit/service';

/**
 * A libpq keyword/value string as the plane's database: the engine's connection and the application's
 * pool are both made from the one parsed target. The local server trusts every role, so what proves the
 * string was read is where each connection landed (its role and database), not that it authenticated.
 */
const SECRET = 'keyword-value-secret-90fe';
const TENANT = Array.from({ length: 18 }, (_, i) => 2001 + i);
const TENANT_ID = '3b2a1c0d-9e8f-4a7b-b6c5-d4e3f2a1b0c9';
/** A quote, a space, a backslash and a double quote: everything the keyword/value syntax escapes or quotes. */
const PASSWORD = `it's a "pw" \\ 7c1e`;

let db: TestDatabase | undefined;
let role: string | undefined;

async function admin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: inject('pgAdminUrl') });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

afterEach(async () => {
  await stopAllServices();
  await db?.drop();
  db = undefined;
  if (role) await admin((c) => c.query(`DROP ROLE IF EXISTS ${role}`));
  role = undefined;
});

/** The local ports of a process's TCP sockets (Linux: its fds' socket inodes in /proc/net/tcp and tcp6). */
function localTcpPorts(pid: number): Set<number> {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const inode = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`))?.[1];
      if (inode) inodes.add(inode);
    } catch {
      // An fd closed since the listing.
    }
  }
  const ports = new Set<number>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
      const columns = line.trim().split(/\s+/);
      if (columns.length > 9 && inodes.has(columns[9]!)) ports.add(Number.parseInt(columns[1]!.split(':').at(-1)!, 16));
    }
  }
  return ports;
}

const quote = (value: string) => `'${value.replace(/[\\']/g, '\\$&')}'`;

describe('a keyword/value connection string', () => {
  it('boots, migrates and serves the feature routes, every connection as the role and database it names', async () => {
    db = await createPostgresDatabase();
    const server = new URL(db.url);
    const database = server.pathname.slice(1);
    role = `atlas_kv_${randomBytes(5).toString('hex')}`;
    // Least privilege: a login role that may create in this database's public schema, nothing more.
    await admin((c) => c.query(`CREATE ROLE ${role} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD ${c.escapeLiteral(PASSWORD)}`));
    await db.query(`GRANT CONNECT, CREATE ON DATABASE ${database} TO ${role}`);
    await db.query(`GRANT USAGE, CREATE ON SCHEMA public TO ${role}`);
    const keywordValue = `host=${server.hostname} port=${server.port || '5432'} dbname=${database} user=${role} password=${quote(PASSWORD)}`;

    const service = startService('tenant', { TENANT_PLANE_DATABASE_URL: keywordValue, INTERNAL_SERVICE_SECRET: SECRET });
    const url = await service.ready();
    expect(service.lines().find((l) => l.msg === 'startup migration complete')).toMatchObject({ applied: TENANT });
    // The engine's connection: the history table is the role's, in this database.
    expect(await db.query(`SELECT tableowner FROM pg_tables WHERE schemaname = 'public' AND tablename = 'schema_migrations'`)).toEqual([{ tableowner: role }]);

    await db.query(`INSERT INTO incidents (tenant_id, number, title) VALUES ($1, 'INC-1', 'Disk full')`, [TENANT_ID]);
    const incidents = await http(`${url}/api/incidents?tenantId=${TENANT_ID}`, { secret: SECRET });
    expect(incidents.status).toBe(200);
    expect(incidents.body.incidents.map((i: { number: string; title: string }) => [i.number, i.title])).toEqual([['INC-1', 'Disk full']]);
    expect((await http(`${url}/api/health`)).status).toBe(200);
    expect((await http(`${url}/api/db/status`, { secret: SECRET })).body).toMatchObject({ ok: true, planes: [{ plane: 'tenant' }] });

    // The application's pool (it keeps its idle connections open, under the service's name) as the string says.
    // Other tests' services share that name: this service's backends are those whose client port is one of its sockets.
    const ports = localTcpPorts(service.child.pid!);
    const sessions = await db.query<{ usename: string; datname: string; application_name: string }>(
      `SELECT usename, datname, application_name FROM pg_stat_activity WHERE client_port = ANY($1::int[])`,
      [[...ports]],
    );
    expect(sessions.filter((s) => s.application_name === 'atlasai-tenant-plane').length).toBeGreaterThan(0);
    expect(new Set(sessions.map((s) => `${s.usename}@${s.datname}`))).toEqual(new Set([`${role}@${database}`]));

    service.child.kill('SIGTERM');
    expect(await service.exited).toBe(0);
    expect(service.output()).toContain('password=***');
    expect(service.output()).not.toContain('7c1e');
  });
});
