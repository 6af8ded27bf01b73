import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import type { DialectOptions, Logger, PlaneReport } from '@atlasai/migrator-core';
import { migrateFiles } from '@atlasai/test-kit';

/** Helpers of the production-safety tests: captured logs, application sessions, least-privilege roles. */

export interface LogLine {
  readonly level: 'debug' | 'info' | 'warn' | 'error';
  readonly message: string;
  readonly fields: Record<string, unknown> | undefined;
}

export function capturingLogger(): Logger & { lines: LogLine[] } {
  const lines: LogLine[] = [];
  const log = (level: LogLine['level']) => (message: string, fields?: Record<string, unknown>) => void lines.push({ level, message, fields });
  return { lines, debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
}

export async function migrateFolder(
  url: string,
  files: Record<string, string>,
  options: DialectOptions & { logger?: Logger; lockTimeoutMs?: number } = {},
): Promise<PlaneReport> {
  return migrateFiles(url, files, { range: { min: 100, max: 99_999 }, logger: capturingLogger(), ...options });
}

/** An application connection, named so a blocker report can be checked against it. */
export async function appSession(url: string, applicationName: string): Promise<pg.Client & { pid: number }> {
  const client = new pg.Client({ connectionString: url, application_name: applicationName });
  client.on('error', () => undefined);
  await client.connect();
  const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
  return Object.assign(client, { pid: rows[0]!.pid });
}

/** A LOGIN role with no superuser, no CREATEDB, no CREATEROLE; dropped by `drop()` (after its database). */
export async function leastPrivilegeRole(password?: string): Promise<{ name: string; drop(): Promise<void> }> {
  const name = `atlas_safety_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: inject('pgAdminUrl') });
  await admin.connect();
  try {
    await admin.query(
      `CREATE ROLE ${name} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE${password === undefined ? '' : ` PASSWORD ${admin.escapeLiteral(password)}`}`,
    );
  } finally {
    await admin.end();
  }
  return {
    name,
    async drop() {
      const a = new pg.Client({ connectionString: inject('pgAdminUrl') });
      await a.connect();
      try {
        await a.query(`DROP ROLE IF EXISTS ${name}`);
      } finally {
        await a.end();
      }
    },
  };
}

/** The URL `url` with another user (and password); the password goes through pg's own encoding. */
export function asUser(url: string, user: string, password?: string): string {
  const u = new URL(url);
  u.username = user;
  u.password = password === undefined ? '' : encodeURIComponent(password);
  return u.toString();
}

/** Polls `check` until it is true or `ms` pass; returns how long it took (Infinity on timeout). */
export async function within(ms: number, check: () => Promise<boolean>): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < ms) {
    if (await check()) return Date.now() - started;
    await new Promise((r) => setTimeout(r, 50));
  }
  return Number.POSITIVE_INFINITY;
}
