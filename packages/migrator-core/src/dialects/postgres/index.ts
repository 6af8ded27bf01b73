import type { ConnectOptions, Dialect, Session } from '../../dialect.js';
import { MigratorError, messageOf } from '../../errors.js';
import type { Logger } from '../../logger.js';
import type { DialectOptions } from '../../dialect.js';
import { endBackendOnAbort } from './abort.js';
import { BlockerWatch } from './blockers.js';
import { openPlainClient, openSession, settingsAsSql, type ConnectionTarget, type SessionSettings } from './connect.js';
import { BackendGuard } from './guard.js';
import { SessionWithHistory, setUpReadingHistory } from './history-at-connect.js';
import { migrationLockName } from './lock-key.js';
import { checkConnectionPath } from './pooler.js';
import { engineTable, quoteIdent } from './quote.js';
import type { LockPolicy } from './session-context.js';
import { PostgresSession } from './session.js';

export { advisoryLockKey, migrationLockKey, migrationLockName } from './lock-key.js';

/** The default schema a plane owns: its history table and, through `search_path`, its migrations' objects. */
export const DEFAULT_SCHEMA = 'public';
/** `lock_timeout` of migration statements: how long application queries may queue behind a DDL lock. */
export const DEFAULT_DDL_LOCK_TIMEOUT_MS = 5_000;
/** Retries of a transactional migration that could not get its locks (so up to 6 attempts). */
export const DEFAULT_LOCK_RETRIES = 5;
/** First backoff before a retry; doubled each time (500 ms, 1, 2, 4, 8 s), with ±50 % jitter. */
export const DEFAULT_LOCK_RETRY_BASE_MS = 500;
/** `lock_timeout` of CONCURRENTLY statements, which wait for older transactions by design. */
export const DEFAULT_CONCURRENT_LOCK_TIMEOUT_MS = 600_000;
/** How long to keep trying a database that is not reachable yet (refused, DNS, starting up). */
export const DEFAULT_CONNECT_WAIT_MS = 30_000;
/** `client_connection_check_interval` (PostgreSQL 14+): a killed runner's backend stops waiting within this. */
export const CONNECTION_CHECK_INTERVAL_MS = 2_000;

/** How long the pooler probe waits for a server connection of the proxy (pooler.ts). */
const PROBE_TIMEOUT_MS = 3_000;
/** How long a query of the lock-blocker monitor may take (its connection waits in a full pool). */
const MONITOR_TIMEOUT_MS = 5_000;

/** The parsed target and the engine's DialectOptions (documented there). */
export interface PostgresDialectOptions extends DialectOptions {
  readonly url: string;
  readonly redacted: string;
  readonly host: string;
  readonly logger: Logger;
  readonly connectTimeoutMs?: number;
}

/** PostgreSQL through one pinned `pg.Client` per run. */
export function createPostgresDialect(options: PostgresDialectOptions): Dialect {
  const schema = options.schema ?? DEFAULT_SCHEMA;
  const { logger } = options;
  const target: ConnectionTarget = { url: options.url, redacted: options.redacted, host: options.host, connectTimeoutMs: options.connectTimeoutMs ?? 10_000 };
  const policy: LockPolicy = {
    ddlLockTimeoutMs: options.ddlLockTimeoutMs ?? DEFAULT_DDL_LOCK_TIMEOUT_MS,
    retries: options.lockRetries ?? DEFAULT_LOCK_RETRIES,
    retryBaseMs: options.lockRetryBaseMs ?? DEFAULT_LOCK_RETRY_BASE_MS,
    concurrentLockTimeoutMs: options.concurrentLockTimeoutMs ?? DEFAULT_CONCURRENT_LOCK_TIMEOUT_MS,
  };
  return {
    target: options.redacted,
    async connect({ applicationName, readOnly, historyFirst, signal }: ConnectOptions): Promise<Session> {
      const settings: SessionSettings = { searchPath: quoteIdent(schema), readOnly, lockTimeoutMs: policy.ddlLockTimeoutMs };
      // Only a run that will change the database waits for it to come up: read-only looks (plan, status,
      // verify, a service's health check) answer at once, so a health check never hangs on a dead database.
      const waitMs = readOnly ? 0 : (options.connectWaitMs ?? DEFAULT_CONNECT_WAIT_MS);
      const { client, settingsBySql } = await openSession(target, applicationName, settings, waitMs, logger);
      let stopAbort: (() => void) | undefined;
      try {
        // One round trip: who this session is, and (PostgreSQL 14+) the connection check interval set;
        // with `historyFirst`, the history read too, unless settings still have to be applied as statements.
        type Identity = { pid: number; database: string; role: string; version: number };
        const setUpSql =
          `SELECT pg_backend_pid() AS pid, current_database() AS database, current_user AS role, ` +
          `current_setting('server_version_num')::int AS version,
                  CASE WHEN current_setting('server_version_num')::int >= 140000 THEN set_config('client_connection_check_interval', '` +
          `${CONNECTION_CHECK_INTERVAL_MS}', false) END AS checked`;
        const { rows, history } =
          historyFirst && !settingsBySql
            ? await setUpReadingHistory<Identity>(client, setUpSql, engineTable(schema))
            : { rows: (await client.query<Identity>(setUpSql)).rows, history: undefined };
        const { pid, database, role, version } = rows[0]!;
        if (signal) stopAbort = endBackendOnAbort(signal, client, pid, () => openPlainClient(target, `${applicationName} abort`, MONITOR_TIMEOUT_MS), logger);
        // Before the lock is ever taken: a transaction pooler would leak it into the pool. A read-only
        // session (dry run, status) takes no lock and changes nothing, so it may go through one.
        let guard: BackendGuard | undefined;
        if (!readOnly) {
          const path = await checkConnectionPath(
            logger,
            client,
            pid,
            () => openPlainClient(target, `${applicationName} pooler check`, PROBE_TIMEOUT_MS),
            options.redacted,
          );
          if (path === 'session-pooled') {
            logger.info('connected through a session-pooling proxy; every message is checked to reach this backend', {
              target: options.redacted,
              backend: pid,
            });
            guard = new BackendGuard(pid, migrationLockName(schema), options.redacted);
          }
        }
        const settingsSql = [
          ...(settingsBySql ? [settingsAsSql(settings)] : []),
          // A runner killed while its statement waits: the backend notices the closed socket and gives up.
          ...(version >= 140_000 ? [`SELECT set_config('client_connection_check_interval', '${CONNECTION_CHECK_INTERVAL_MS}', false)`] : []),
        ];
        // The connection check interval was set by the first query; settingsSql is what a reset puts back.
        if (settingsBySql) await client.query(settingsAsSql(settings));
        const watch = new BlockerWatch(() => openPlainClient(target, `${applicationName} lock monitor`, MONITOR_TIMEOUT_MS), logger);
        const context = {
          client,
          logger,
          schema,
          backendPid: pid,
          serverVersionNum: version,
          privileges: { database, role, schema },
          policy,
          settingsSql,
          watch,
          ...(guard ? { guard } : {}),
          ...(stopAbort ? { onClose: stopAbort } : {}),
        };
        return history === undefined ? new PostgresSession(context) : new SessionWithHistory(context, history);
      } catch (error) {
        stopAbort?.();
        await client.end().catch(() => undefined);
        if (error instanceof MigratorError) throw error;
        throw new MigratorError('CONNECTION_FAILED', `Setting up the session on ${options.redacted} failed: ${messageOf(error)}`, { cause: error });
      }
    },
  };
}
