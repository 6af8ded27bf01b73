import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { MigratorError, messageOf } from '../../errors.js';
import type { Logger } from '../../logger.js';
import { isTransientConnectError } from './transient-connect.js';

/**
 * Opening the migration connection: the session's own settings as start-up options (they outrank a
 * role's or database's settings, and RESET ALL returns to them), and a bounded wait for a database
 * that is not reachable yet (a restart, a container still starting).
 */

export interface ConnectionTarget {
  readonly url: string;
  readonly redacted: string;
  /** host[:port], for the waiting lines. */
  readonly host: string;
  readonly connectTimeoutMs: number;
}

/** Settings every migration session starts with; `lock_timeout` in milliseconds. */
export interface SessionSettings {
  readonly searchPath: string;
  readonly readOnly: boolean;
  readonly lockTimeoutMs: number;
}

function escapeOption(value: string): string {
  return value.replace(/[\\ ]/g, '\\$&');
}

/**
 * The start-up `options` string. A URL's own `options` come out of the URL (pg would let them replace
 * these); the engine's lock_timeout goes before them, so an operator's explicit `-c lock_timeout` in
 * the URL wins, and search_path and read-only go after, so the plane's schema and a dry run's
 * read-only flag always win.
 */
function startupOptions(url: URL, settings: SessionSettings): { connectionString: string; options: string } {
  const fromUrl = url.searchParams.get('options');
  url.searchParams.delete('options');
  const parts = [`-c lock_timeout=${settings.lockTimeoutMs}`, fromUrl ?? '', `-c search_path=${escapeOption(settings.searchPath)}`];
  if (settings.readOnly) parts.push('-c default_transaction_read_only=on');
  return { connectionString: url.toString(), options: parts.filter(Boolean).join(' ') };
}

/** The same settings as statements, for a proxy that refuses start-up options (PgBouncer 1.18 without `ignore_startup_parameters`). */
export function settingsAsSql(settings: SessionSettings): string {
  const lit = (v: string) => `'${v.replace(/'/g, "''")}'`;
  return [
    `SELECT set_config('lock_timeout', ${lit(String(settings.lockTimeoutMs))}, false)`,
    `set_config('search_path', ${lit(settings.searchPath)}, false)`,
    ...(settings.readOnly ? ["set_config('default_transaction_read_only', 'on', false)"] : []),
  ].join(', ');
}

export interface OpenedClient {
  readonly client: pg.Client;
  /** The start-up options were refused and the settings must be applied (and re-applied after RESET ALL) as statements. */
  readonly settingsBySql: boolean;
}

async function attempt(
  target: ConnectionTarget,
  applicationName: string | undefined,
  settings: SessionSettings | null,
  queryTimeoutMs?: number,
): Promise<pg.Client> {
  const url = new URL(target.url);
  const { connectionString, options } = settings ? startupOptions(url, settings) : { connectionString: target.url, options: undefined };
  const client = new pg.Client({
    connectionString,
    connectionTimeoutMillis: target.connectTimeoutMs,
    ...(queryTimeoutMs === undefined ? {} : { query_timeout: queryTimeoutMs }),
    ...(applicationName === undefined ? {} : { application_name: applicationName }),
    ...(options === undefined ? {} : { options }),
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return client;
  } catch (error) {
    await client.end().catch(() => undefined);
    throw error;
  }
}

/**
 * One plain connection (the lock-blocker monitor, the pooler probe): no settings of the migration
 * session. Its queries give up after `queryTimeoutMs`: behind a session pooler whose server
 * connections are all taken (by this and other runners' sessions), such a helper would otherwise wait
 * for one as long as the proxy lets it, holding up the run that waits for it.
 */
export async function openPlainClient(target: ConnectionTarget, applicationName: string, queryTimeoutMs: number): Promise<pg.Client> {
  const hasAppName = /[?&]application_name=/.test(target.url);
  return attempt(target, hasAppName ? undefined : applicationName, null, queryTimeoutMs);
}

/**
 * Connects, retrying transient failures with backoff and jitter for up to `waitMs` (one warning per
 * try, naming the host), then fails with CONNECTION_FAILED and the redacted target.
 */
export async function openSession(
  target: ConnectionTarget,
  applicationName: string,
  settings: SessionSettings,
  waitMs: number,
  logger: Logger,
): Promise<OpenedClient> {
  const hasAppName = /[?&]application_name=/.test(target.url);
  const started = Date.now();
  let delay = 250;
  for (let tries = 1; ; tries++) {
    try {
      try {
        return { client: await attempt(target, hasAppName ? undefined : applicationName, settings), settingsBySql: false };
      } catch (error) {
        if (!/unsupported startup parameter/i.test(messageOf(error))) throw error;
        logger.info('the server (a proxy) refuses start-up options; applying the session settings as statements', { host: target.host });
        return { client: await attempt(target, hasAppName ? undefined : applicationName, null), settingsBySql: true };
      }
    } catch (error) {
      const elapsed = Date.now() - started;
      const wait = Math.round(delay * (0.5 + Math.random()));
      if (isTransientConnectError(error) && elapsed + wait < waitMs) {
        logger.warn(`cannot reach ${target.host} yet (${messageOf(error) || (error as { code?: string }).code}); trying again in ${wait} ms`, {
          host: target.host,
          attempt: tries,
        });
        await sleep(wait);
        delay = Math.min(delay * 2, 5000);
        continue;
      }
      const reason = messageOf(error) || (error as { code?: string }).code || 'connection failed';
      const gaveUp = tries > 1 ? ` (gave up after ${tries} attempts in ${Math.round(elapsed / 1000)} s)` : '';
      throw new MigratorError('CONNECTION_FAILED', `Cannot connect to ${target.redacted}: ${reason}${gaveUp}`, {
        cause: error,
        ...((error as { code?: string }).code?.length === 5 ? { sqlstate: (error as { code: string }).code } : {}),
      });
    }
  }
}
