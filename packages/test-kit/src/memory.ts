import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { withClient } from './client.js';

/**
 * Where a full run writes its files: in memory (`/dev/shm`), where the machine has it. On this machine's
 * disk, creating and removing files costs the kernel far more than the work a test does with them: a
 * CREATE DATABASE makes ~300 files and a DROP removes them, at ~0.3 s of the server's kernel time each
 * (the suite creates ~440 databases), and every SQLite file, journal and temporary folder of a test is
 * created, synced and removed the same way. In memory, a CREATE DATABASE takes ~20 ms instead of ~300
 * (docs/benchmarks.md, "The suite, a third time"). Only where the files are changes: the server, its
 * WAL and settings, every statement a test sends and every file a test writes are the same.
 */
const MEMORY_DIR = '/dev/shm';

/**
 * A scratch folder in memory for the run (its teardown removes it, with whatever a test left there), or
 * undefined where there is no such file system. The global setup makes it the workers' TMPDIR.
 */
export function makeRunScratch(runId: string): string | undefined {
  if (!existsSync(MEMORY_DIR)) return undefined;
  const dir = mkdtempSync(join(MEMORY_DIR, `atlas-tmp-${runId}-`));
  // As /tmp is: a test runs PgBouncer and PostgreSQL servers as the postgres user in folders of its own here.
  chmodSync(dir, 0o1777);
  return dir;
}

/**
 * The run's tablespace: its test databases live there when the server runs on this machine (dropped by
 * its teardown, after its databases).
 */
export function tablespaceName(runId: string): string {
  return `atlas_ts_${runId}`;
}

function tablespaceDir(runId: string): string {
  return join(MEMORY_DIR, `atlas-pg-${runId}`);
}

export type RunTablespace = { readonly name: string } | { readonly reason: string };

/**
 * Makes the run's tablespace, or says why there is none (the databases then go to the server's default
 * tablespace, as on a server elsewhere). The directory must belong to the server's own user: one of
 * this process's, or, run as root, the owner of the server's data directory.
 */
export async function makeRunTablespace(adminUrl: string, runId: string): Promise<RunTablespace> {
  if (!existsSync(MEMORY_DIR)) return { reason: `${MEMORY_DIR} does not exist here` };
  const dir = tablespaceDir(runId);
  return withClient(adminUrl, async (admin) => {
    try {
      const dataDir = (await admin.query<{ data_directory: string }>('SHOW data_directory')).rows[0]!.data_directory;
      if (!existsSync(dataDir)) return { reason: 'the server is not on this machine' };
      const owner = statSync(dataDir);
      mkdirSync(dir, { mode: 0o700 });
      if (owner.uid !== process.getuid?.()) chownSync(dir, owner.uid, owner.gid);
      await admin.query(`CREATE TABLESPACE ${tablespaceName(runId)} LOCATION '${dir}'`);
      return { name: tablespaceName(runId) };
    } catch (error) {
      rmSync(dir, { recursive: true, force: true });
      return { reason: error instanceof Error ? error.message : String(error) };
    }
  });
}

/** Drops the run's tablespace and its directory (after `dropRunDatabases`); nothing if it has none. */
export async function dropRunTablespace(adminUrl: string, runId: string): Promise<void> {
  await withClient(adminUrl, (admin) => admin.query(`DROP TABLESPACE IF EXISTS ${tablespaceName(runId)}`));
  rmSync(tablespaceDir(runId), { recursive: true, force: true });
}
