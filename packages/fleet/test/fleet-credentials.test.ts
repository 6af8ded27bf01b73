import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrationFolder } from '@atlasai/test-kit';
import { fleetProcess } from './fleet-process.js';
import { createFleetWorld, type FleetWorld } from './fleet-support.js';
import { startScramServer, type ScramServer } from './scram-server.js';

/**
 * Tenant databases on a server that checks passwords (scram-sha-256): one tenant's password comes from
 * the libpq password file, the other's is in its db_url. Both migrate; neither password shows anywhere.
 */
describe('fleet credentials', () => {
  let world: FleetWorld;
  let server: ScramServer;
  let scratch: string;
  const fromFile = 'pgpass-Secret-7Hq2';
  const inUrl = 'url@Secret:9Zk4';
  const encoded = encodeURIComponent(inUrl);
  beforeAll(async () => {
    expect(process.env.PGPASSWORD).toBeUndefined();
    world = await createFleetWorld();
    server = await startScramServer('super-Secret-1Xy');
    await server.admin(`CREATE ROLE tenant_file LOGIN PASSWORD '${fromFile}'`);
    await server.admin(`CREATE ROLE tenant_url LOGIN PASSWORD '${inUrl}'`);
    await server.admin('CREATE DATABASE tenant_file OWNER tenant_file');
    await server.admin('CREATE DATABASE tenant_url OWNER tenant_url');
    scratch = mkdtempSync(join(tmpdir(), 'atlas-fleet-pgpass-'));
  }, 120_000);
  afterAll(async () => {
    server?.stop();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
    await world?.drop();
  });

  it('a password from PGPASSFILE and one in db_url both work; the latter is warned about once; neither appears in any output, fleet row or job', async () => {
    const pgpass = join(scratch, 'pgpass');
    writeFileSync(pgpass, `127.0.0.1:${server.port}:tenant_file:tenant_file:${fromFile}\n`, { mode: 0o600 });
    const rows = await world.control<{ id: string; name: string }>(
      `INSERT INTO tenants (name, status, deployment_model, db_url, metadata) VALUES ('file', 'active', 'dedicated', $1, '{}'), ('url', 'active', 'dedicated', $2, '{}') RETURNING id::text AS id, name`,
      [`postgres://tenant_file@127.0.0.1:${server.port}/tenant_file`, `postgres://tenant_url:${encoded}@127.0.0.1:${server.port}/tenant_url`],
    );
    const env = {
      CONTROL_PLANE_DATABASE_URL: world.controlUrl,
      PGPASSFILE: pgpass,
      FLEET_REGISTRY_DIR: migrationFolder({ '2001_first.sql': 'CREATE TABLE first_table (id integer);\n' }),
      // Every log line the fleet and the engine write, so that a leak anywhere would show.
      ATLAS_LOG_LEVEL: 'debug',
    };
    const outputs: string[] = [];
    const cli = async (args: string[]) => {
      const end = await fleetProcess(args, env).exited;
      outputs.push(end.stdout, end.stderr);
      return end;
    };
    const run = await cli(['run']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/apply succeeded: succeeded 2 /);
    const urlTenant = rows.find((r) => r.name === 'url')!.id;
    const warnings = run.stderr.split('\n').filter((l) => l.includes('carries a password'));
    expect(warnings).toHaveLength(1);
    expect(JSON.parse(warnings[0]!)).toMatchObject({ level: 'warn', tenantId: urlTenant });
    const runJson = await cli(['run', '--json']);
    expect(runJson.code, runJson.stderr).toBe(0);
    expect(JSON.parse(runJson.stdout)).toMatchObject({ state: 'succeeded', items: [{ state: 'succeeded' }, { state: 'succeeded' }] });
    for (const args of [['scan'], ['scan', '--json'], ['plan', '--json'], ['status'], ['status', '--json']]) expect((await cli(args)).code).toBe(0);
    // Both tenants were migrated, each with its own credentials.
    for (const [user, password] of [
      ['tenant_file', fromFile],
      ['tenant_url', inUrl],
    ] as const) {
      const client = new pg.Client({ host: '127.0.0.1', port: server.port, user, password, database: user });
      await client.connect();
      expect((await client.query('SELECT version FROM schema_migrations')).rows.map((r) => Number(r.version))).toEqual([2001]);
      await client.end();
    }
    const stored = await world.control<{ text: string }>(
      `SELECT row_to_json(r)::text AS text FROM fleet.runs r
       UNION ALL SELECT row_to_json(i)::text FROM fleet.items i
       UNION ALL SELECT row_to_json(s)::text FROM fleet.tenant_status s
       UNION ALL SELECT row_to_json(j)::text FROM pgboss.job j
       UNION ALL SELECT row_to_json(a)::text FROM pgboss.archive a`,
    );
    expect(stored.length).toBeGreaterThan(6);
    expect(stored.some((s) => s.text.includes(`127.0.0.1:${server.port}/tenant_url`))).toBe(true);
    for (const text of [...outputs, ...stored.map((s) => s.text)]) {
      for (const secret of [fromFile, inUrl, encoded]) expect(text).not.toContain(secret);
    }
  }, 120_000);
});
