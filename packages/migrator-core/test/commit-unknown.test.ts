import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cli, createPostgresDatabase, migrationFolder, type TestDatabase } from '@atlasai/test-kit';

/**
 * A connection lost while a migration commits. A TCP proxy between the runner and PostgreSQL
 * passes the first `COMMIT` to the server, waits for the server's answer (so the commit did happen) and
 * cuts the connection instead of passing it on: the runner cannot know, and must say so.
 */

interface CuttingProxy {
  readonly port: number;
  readonly cut: () => boolean;
  close(): Promise<void>;
}

/** Forwards to `serverPort`; the first connection that sends a simple-query `COMMIT` is cut once the server has answered it. */
async function cuttingProxy(serverPort: number): Promise<CuttingProxy> {
  let cut = false;
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = createConnection(serverPort, '127.0.0.1');
    sockets.add(client).add(upstream);
    let pending = Buffer.alloc(0);
    let started = false;
    let committing = false;
    client.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      // Messages: the start-up one has no type byte; every later one is a type byte and an int32 length.
      for (;;) {
        const header = started ? 5 : 4;
        if (pending.length < header) break;
        const length = started ? pending.readInt32BE(1) + 1 : pending.readInt32BE(0);
        if (pending.length < length) break;
        const message = pending.subarray(0, length);
        if (started && !cut && message[0] === 0x51 && message.subarray(5, length - 1).toString() === 'COMMIT') committing = true;
        started = true;
        pending = pending.subarray(length);
      }
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (committing) {
        cut = true;
        committing = false;
        client.destroy();
        upstream.destroy();
        return;
      }
      client.write(chunk);
    });
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    cut: () => cut,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe('a connection lost during COMMIT', () => {
  let db: TestDatabase;
  let proxy: CuttingProxy;
  beforeEach(async () => {
    db = await createPostgresDatabase();
    proxy = await cuttingProxy(Number(new URL(db.url).port || 5432));
  });
  afterEach(async () => {
    await proxy.close();
    await db.drop();
  });

  it('is reported as unknown (exit 1), never as failed or applied; the history tells, and a rerun goes on from there', async () => {
    const dir = migrationFolder({
      '101_jobs.sql': 'CREATE TABLE jobs (id integer PRIMARY KEY);\n',
      '102_runs.sql': 'CREATE TABLE runs (id integer PRIMARY KEY);\n',
    });
    const through = new URL(db.url);
    through.port = String(proxy.port);
    const result = await cli(['--url', through.toString(), '--dir', dir, '--label', 'demo', '--wait', '0']);
    // Said with the run's output: a run that never reached its COMMIT (refused, unable to connect) shows why.
    expect(proxy.cut(), `no COMMIT went through the proxy; the run printed:\n${result.stdout}${result.stderr}`).toBe(true);
    expect(result.stderr).not.toContain('releasing the migration lock failed');
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(
      '[DEMO] The connection was lost while migration 101 was committing: whether it committed is unknown; schema_migrations, which commits with it, tells (atlas-migrate status --dir … --url …).',
    );
    expect(result.stdout).not.toMatch(/Applied|rolled back/);
    // The server had committed it: the table and its row are there, and nothing after it ran.
    expect(await db.query('SELECT version FROM schema_migrations')).toEqual([{ version: '101' }]);
    expect(await db.tableExists('jobs')).toBe(true);
    expect(await db.tableExists('runs')).toBe(false);
    const rerun = await cli(['--url', db.url, '--dir', dir, '--label', 'demo']);
    expect(rerun.code).toBe(0);
    expect(rerun.stdout).toContain('[DEMO] Applied 1 migration(s): 102');
  });
});
