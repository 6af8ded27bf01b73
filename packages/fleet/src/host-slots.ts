import { createHash } from 'node:crypto';
import type { Logger } from '@atlasai/migrator-core';
import pg from 'pg';

/**
 * The per-host cap across replicas: a host (host:port of a tenant's db_url) has `maxPerHost` slots, each
 * a PostgreSQL session advisory lock (key: a hash of the host, slot number) on the Control Plane
 * database, held by this replica's own connection while a tenant of that host migrates. A replica that
 * dies loses its connection, and its slots with it. Session locks stack within a session, so the slots
 * this replica holds are also tracked here and never taken twice.
 */
export class HostSlots {
  private client: pg.Client | undefined;
  private readonly held = new Set<string>();
  private chain: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly controlUrl: string,
    private readonly applicationName: string,
    private readonly maxPerHost: number,
    private readonly logger: Logger,
    private readonly onNotify: () => void,
  ) {}

  private async connection(): Promise<pg.Client> {
    if (this.client) return this.client;
    const client = new pg.Client({ connectionString: this.controlUrl, application_name: this.applicationName });
    client.on('error', (error) => {
      // The slots went with the connection: the next acquisition reconnects.
      this.logger.warn('the fleet host-slot connection failed; reconnecting at the next tenant', { error: error.message });
      if (this.client === client) {
        this.client = undefined;
        this.held.clear();
      }
    });
    client.on('notification', () => this.onNotify());
    await client.connect();
    // Replicas wake each other when a wave starts or a run is resumed (runs.ts sends the NOTIFY).
    await client.query('LISTEN atlas_fleet');
    this.client = client;
    return client;
  }

  /** Opens the connection now, so that this replica hears NOTIFY before it has work. */
  async open(): Promise<void> {
    await this.serial(() => this.connection());
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.chain.then(fn, fn);
    this.chain = next.catch(() => undefined);
    return next;
  }

  private static hostKey(host: string): number {
    return createHash('sha256').update(`atlas-fleet-host:${host}`).digest().readInt32BE(0);
  }

  /** A free slot of the host, or null when all are taken (by any replica). Starts at a random slot. */
  acquire(host: string): Promise<{ release: () => Promise<void> } | null> {
    return this.serial(async () => {
      const client = await this.connection();
      const key = HostSlots.hostKey(host);
      const start = Math.floor(Math.random() * this.maxPerHost);
      for (let i = 0; i < this.maxPerHost; i++) {
        const slot = (start + i) % this.maxPerHost;
        const id = `${key}:${slot}`;
        if (this.held.has(id)) continue;
        const { rows } = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1, $2) AS ok', [key, slot]);
        if (!rows[0]!.ok) continue;
        this.held.add(id);
        return {
          release: () =>
            this.serial(async () => {
              if (!this.held.delete(id) || this.client !== client) return;
              await client.query('SELECT pg_advisory_unlock($1, $2)', [key, slot]);
            }),
        };
      }
      return null;
    });
  }

  async close(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    this.held.clear();
    await client?.end().catch(() => undefined);
  }
}
