import type pg from 'pg';
import { messageOf } from '../../errors.js';
import type { Logger } from '../../logger.js';

/** A session another one waits for, as `pg_blocking_pids` and `pg_stat_activity` describe it. */
export interface Blocker {
  readonly pid: number;
  readonly applicationName: string;
  readonly clientAddr: string | null;
  readonly state: string | null;
  /** Seconds since its transaction began; null outside a transaction. */
  readonly transactionSeconds: number | null;
  /** The first 100 characters of its current or last query. */
  readonly query: string;
}

/** The sessions `pid` waits for right now (empty when it waits for nobody). */
export async function blockersOf(client: pg.Client, pid: number): Promise<Blocker[]> {
  const { rows } = await client.query<{
    pid: number;
    application_name: string;
    client_addr: string | null;
    state: string | null;
    xact_seconds: number | null;
    query: string;
  }>(
    `SELECT a.pid, a.application_name, host(a.client_addr) AS client_addr, a.state,
            floor(extract(epoch FROM now() - a.xact_start))::int AS xact_seconds, left(a.query, 100) AS query
       FROM pg_stat_activity a
      WHERE a.pid = ANY (pg_blocking_pids($1::int))
      ORDER BY a.xact_start NULLS LAST, a.pid`,
    [pid],
  );
  return rows.map((r) => ({
    pid: r.pid,
    applicationName: r.application_name,
    clientAddr: r.client_addr,
    state: r.state,
    transactionSeconds: r.xact_seconds,
    query: r.query.replace(/\s+/g, ' ').trim(),
  }));
}

/** `pid 4242 (billing-worker) from 10.0.0.7, idle in transaction, transaction open 73 s, query "SELECT …"` */
export function describeBlocker(b: Blocker): string {
  const app = b.applicationName ? ` (${b.applicationName})` : '';
  const from = b.clientAddr ? ` from ${b.clientAddr}` : '';
  const open = b.transactionSeconds === null ? 'no transaction open' : `transaction open ${b.transactionSeconds} s`;
  return `pid ${b.pid}${app}${from}, ${b.state ?? 'state unknown'}, ${open}, query "${b.query}"`;
}

export function describeBlockers(blockers: readonly Blocker[]): string {
  return blockers.length === 0 ? 'no session was seen holding the lock (it was released just before the timeout)' : blockers.map(describeBlocker).join('; ');
}

/** How a watched statement is narrated: a DDL wait ends in a retry line; a long CONCURRENTLY wait is told while it lasts. */
export interface WatchOptions {
  readonly intervalMs: number;
  /** Log who the statement waits for whenever that changes (and every `repeatMs`), while it waits. */
  readonly narrate: boolean;
  readonly statement: number;
}

const REPEAT_MS = 30_000;

/**
 * Looks, from a second connection, at whom the migration session waits for while a statement runs:
 * once a lock timeout has fired the waiter is gone, so the blockers must be seen during the wait.
 * The monitor connection is opened only when a statement is still running after the first interval.
 */
export class BlockerWatch {
  private monitor: Promise<pg.Client | null> | undefined;

  constructor(
    private readonly openMonitor: () => Promise<pg.Client>,
    private readonly logger: Logger,
  ) {}

  private client(): Promise<pg.Client | null> {
    this.monitor ??= this.openMonitor().catch((error: unknown) => {
      this.logger.debug('cannot open the connection that reports lock blockers', { error: messageOf(error) });
      return null;
    });
    return this.monitor;
  }

  /** Starts watching `pid`; the returned function stops and gives the last blockers seen (empty if none). */
  start(pid: number, options: WatchOptions): () => Promise<Blocker[]> {
    let last: Blocker[] = [];
    let lastLogged = '';
    let loggedAt = 0;
    let inFlight: Promise<void> | undefined;
    let stopped = false;
    const tick = async () => {
      const client = await this.client();
      if (!client || stopped) return;
      try {
        const blockers = await blockersOf(client, pid);
        if (blockers.length > 0) last = blockers;
        if (!options.narrate || blockers.length === 0 || stopped) return;
        const key = blockers.map((b) => b.pid).join(',');
        if (key !== lastLogged || Date.now() - loggedAt >= REPEAT_MS) {
          this.logger.warn(`statement ${options.statement} is waiting for locks held by: ${describeBlockers(blockers)}`, { statement: options.statement });
          lastLogged = key;
          loggedAt = Date.now();
        }
      } catch (error) {
        this.logger.debug('reading lock blockers failed', { error: messageOf(error) });
      }
    };
    const timer = setInterval(() => {
      inFlight ??= tick().finally(() => {
        inFlight = undefined;
      });
    }, options.intervalMs);
    timer.unref();
    return async () => {
      stopped = true;
      clearInterval(timer);
      await inFlight;
      return last;
    };
  }

  async close(): Promise<void> {
    const client = await this.monitor;
    this.monitor = undefined;
    await client?.end().catch(() => undefined);
  }
}
