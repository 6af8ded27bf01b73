import { createServer, connect as tcpConnect, type Server } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cli as inProcess, createPostgresDatabase, freePort, migrationFolder, type TestDatabase } from '@atlasai/test-kit';
import { asUser, capturingLogger, leastPrivilegeRole, migrateFolder } from './safety-support.js';

/** Permission denied explained; a database not reachable yet waited for. */

describe('permission denied, with a least-privilege role', () => {
  let db: TestDatabase;
  let role: Awaited<ReturnType<typeof leastPrivilegeRole>>;
  beforeEach(async () => {
    db = await createPostgresDatabase();
    role = await leastPrivilegeRole();
  });
  afterEach(async () => {
    await db.drop();
    await role.drop();
  });
  const database = () => new URL(db.url).pathname.slice(1);

  it('no CREATE on schema public (the PostgreSQL 15 default): PERMISSION_DENIED with SQLSTATE, what is missing, and the GRANTs', async () => {
    const url = asUser(db.url, role.name);
    const report = await migrateFolder(url, { '101_t.sql': 'CREATE TABLE IF NOT EXISTS t (id integer);\n' });
    expect(report.error).toMatchObject({
      code: 'PERMISSION_DENIED',
      sqlstate: '42501',
      message: `Creating "public".schema_migrations failed: permission denied for schema public (role ${role.name} lacks CREATE (or USAGE) on schema public (PostgreSQL 15 and later no longer grant CREATE on public to everyone))`,
      hint: `As the object's owner or a superuser, run: GRANT USAGE, CREATE ON SCHEMA public TO ${role.name}; (or grant everything the operator guide lists: GRANT CREATE ON DATABASE ${database()} TO ${role.name}; GRANT ALL PRIVILEGES ON ALL TABLES IN SCHEMA public TO ${role.name}; GRANT ALL PRIVILEGES ON SCHEMA public TO ${role.name};)`,
    });
    const cli = await inProcess(['--url', url, '--dir', migrationFolder({ '101_t.sql': 'CREATE TABLE IF NOT EXISTS t (id integer);\n' }), '--label', 'demo']);
    expect(cli.code).toBe(1);
    expect(cli.stdout).toContain(
      `[DEMO] Error: PERMISSION_DENIED: Creating "public".schema_migrations failed: permission denied for schema public (role ${role.name} lacks CREATE`,
    );
    expect(cli.stdout).toContain(`[DEMO]   Hint: As the object's owner or a superuser, run: GRANT USAGE, CREATE ON SCHEMA public TO ${role.name};`);
    // The advice works: granted, the same run succeeds.
    await db.query(`GRANT USAGE, CREATE ON SCHEMA public TO ${role.name}`);
    expect((await migrateFolder(url, { '101_t.sql': 'CREATE TABLE IF NOT EXISTS t (id integer);\n' })).error).toBeNull();
  });

  it('not the owner of a table a migration alters: PERMISSION_DENIED at the statement, with the ALTER … OWNER advice', async () => {
    await db.query(`GRANT USAGE, CREATE ON SCHEMA public TO ${role.name}`);
    // The role starts the history (a first migration that does nothing): a database without one whose schema
    // already holds objects is refused before anything runs (HISTORY_MISSING). The table is another role's.
    const start = { '100_history_start.sql': '-- the history starts here\n' };
    expect((await migrateFolder(asUser(db.url, role.name), start)).error).toBeNull();
    await db.query('CREATE TABLE billing_invoices (id integer)');
    await db.query(`GRANT ALL PRIVILEGES ON TABLE billing_invoices TO ${role.name}`);
    const files = {
      ...start,
      '101_invoice_column.sql': '-- adds the razorpay id\nALTER TABLE billing_invoices ADD COLUMN IF NOT EXISTS subscription_id text;\n',
    };
    const report = await migrateFolder(asUser(db.url, role.name), files);
    expect(report.error).toMatchObject({
      code: 'PERMISSION_DENIED',
      sqlstate: '42501',
      version: 101,
      statement: 1,
      line: 2,
      message: `must be owner of table billing_invoices (role ${role.name} does not own table billing_invoices, and only its owner may alter it)`,
      migration: { outcome: 'rolled-back' },
    });
    expect(report.error!.hint).toMatch(
      new RegExp(`^As the object's owner or a superuser, run: ALTER TABLE billing_invoices OWNER TO ${role.name}; \\(or grant everything`),
    );
    expect(await db.columns('billing_invoices')).toEqual(['id']);
  });
});

describe('connection at start', () => {
  let db: TestDatabase;
  let server: Server | undefined;
  beforeEach(async () => {
    db = await createPostgresDatabase();
  });
  afterEach(async () => {
    server?.close();
    await db.drop();
  });

  it('waits for a database that comes up late, one line per try naming the host', async () => {
    const port = await freePort();
    const real = new URL(db.url);
    // A TCP forwarder that starts listening 1.5 s late: the database "starting up".
    setTimeout(() => {
      server = createServer((socket) => {
        const upstream = tcpConnect(Number(real.port || 5432), real.hostname);
        socket.pipe(upstream).pipe(socket);
        socket.on('error', () => upstream.destroy());
        upstream.on('error', () => socket.destroy());
      }).listen(port, '127.0.0.1');
    }, 1500);
    const late = new URL(db.url);
    late.port = String(port);
    const logger = capturingLogger();
    const report = await migrateFolder(late.toString(), { '101_t.sql': 'CREATE TABLE IF NOT EXISTS t (id integer);\n' }, { logger, connectWaitMs: 15_000 });
    expect(report.error).toBeNull();
    const tries = logger.lines.filter((l) => l.level === 'warn' && l.message.startsWith(`cannot reach 127.0.0.1:${port} yet`));
    expect(tries.length).toBeGreaterThanOrEqual(1);
    expect(tries[0]!.message).toMatch(
      new RegExp(`^cannot reach 127\\.0\\.0\\.1:${port} yet \\(connect ECONNREFUSED 127\\.0\\.0\\.1:${port}\\); trying again in \\d+ ms$`),
    );
    expect(await db.tableExists('t')).toBe(true);
  });

  it('gives up after --wait seconds: exit 1, a clear redacted error', async () => {
    const started = Date.now();
    const result = await inProcess(
      [
        '--url',
        'postgresql://someone:Wait-S3cret@127.0.0.1:1/atlas',
        '--dir',
        migrationFolder({ '101_t.sql': 'SELECT 1;\n' }),
        '--label',
        'demo',
        '--wait',
        '2',
      ],
      { ATLAS_LOG: undefined },
    );
    const elapsed = Date.now() - started;
    expect(result.code, result.stderr).toBe(1);
    expect(elapsed).toBeLessThan(6000);
    // stderr in the message: a run that printed no report says why there.
    expect(result.stdout, result.stderr).toMatch(
      /\[DEMO\] Error: CONNECTION_FAILED: Cannot connect to postgresql:\/\/someone:\*\*\*@127\.0\.0\.1:1\/atlas: connect ECONNREFUSED 127\.0\.0\.1:1 \(gave up after \d+ attempts in [12] s\)/,
    );
    // One NDJSON warning per try, without ATLAS_LOG too (warn is the default level).
    const logged = result.stderr
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { level: string; msg: string; host: string });
    const tries = logged.filter((l) => l.level === 'warn');
    // Nothing but the tries: the failure itself is the report's (stdout), not repeated in the log.
    expect(logged.filter((l) => l.level !== 'warn')).toEqual([]);
    expect(tries.length).toBeGreaterThanOrEqual(1);
    for (const line of tries)
      expect(line).toMatchObject({
        level: 'warn',
        host: '127.0.0.1:1',
        msg: expect.stringMatching(/^cannot reach 127\.0\.0\.1:1 yet \(connect ECONNREFUSED 127\.0\.0\.1:1\); trying again in \d+ ms$/),
      });
    expect(result.stdout + result.stderr).not.toContain('Wait-S3cret');
  });
});
