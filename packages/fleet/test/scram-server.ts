import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

const BIN = '/usr/lib/postgresql/15/bin';

/** A throwaway PostgreSQL that asks every client for a password (scram-sha-256), unlike the shared trusting one. */
export interface ScramServer {
  readonly port: number;
  /** Runs SQL as its superuser. */
  admin(sql: string): Promise<void>;
  stop(): void;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

const asPostgres = (args: string[]) => execFileSync('runuser', ['-u', 'postgres', '--', ...args], { stdio: 'pipe' });

export async function startScramServer(superPassword: string): Promise<ScramServer> {
  const dir = mkdtempSync(join(tmpdir(), 'atlas-fleet-scram-'));
  const { uid, gid } = { uid: Number(execFileSync('id', ['-u', 'postgres']).toString()), gid: Number(execFileSync('id', ['-g', 'postgres']).toString()) };
  chownSync(dir, uid, gid);
  chmodSync(dir, 0o700);
  const pwfile = join(dir, 'pw');
  writeFileSync(pwfile, `${superPassword}\n`, { mode: 0o600 });
  chownSync(pwfile, uid, gid);
  const data = join(dir, 'data');
  const port = await freePort();
  try {
    asPostgres([`${BIN}/initdb`, '-D', data, '-U', 'postgres', '--auth=scram-sha-256', `--pwfile=${pwfile}`]);
    asPostgres([`${BIN}/pg_ctl`, '-D', data, '-l', join(dir, 'log'), '-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1`, '-w', 'start']);
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    port,
    async admin(sql) {
      const client = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', password: superPassword, database: 'postgres' });
      await client.connect();
      try {
        await client.query(sql);
      } finally {
        await client.end();
      }
    },
    stop() {
      try {
        asPostgres([`${BIN}/pg_ctl`, '-D', data, '-m', 'immediate', '-w', 'stop']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
