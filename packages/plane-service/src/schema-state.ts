import { statusFromHistory, toPlaneError, type History, type PlaneStatus, type Registry, type SqlVariant } from '@atlasai/migrator-core';

/** What the database's `schema_migrations` says, compared with this release's registry. */
export interface SchemaState {
  /** Highest version recorded in this plane's range (known or not); null for an empty history. */
  readonly latestApplied: number | null;
  readonly applied: ReadonlySet<number>;
  readonly pending: readonly number[];
  /** Recorded versions this release does not know (a newer release ran): harmless, forward-only. */
  readonly unknownApplied: readonly number[];
  /** Applied migrations whose file changed since (CHECKSUM_MISMATCH on the next run). */
  readonly changed: readonly number[];
}

/** The engine's per-migration status, and the state derived from it (null when the history could not be read). */
export interface SchemaReading {
  readonly status: PlaneStatus;
  readonly state: SchemaState | null;
}

function toState(status: PlaneStatus): SchemaState {
  const versions = (state: string) => status.entries.filter((e) => e.state === state).map((e) => e.version);
  const recorded = status.entries.filter((e) => e.state !== 'pending').map((e) => e.version);
  return {
    latestApplied: recorded.length > 0 ? Math.max(...recorded) : null,
    applied: new Set(recorded),
    pending: versions('pending'),
    unknownApplied: versions('unknown'),
    changed: versions('changed'),
  };
}

/** Where the monitor reads the history: the service's own pool or handle (ServiceDatabase). */
export interface HistorySource {
  readonly kind: SqlVariant;
  /** The redacted target the status names. */
  readonly target: string;
  readHistory(): Promise<History | null>;
}

/** How long a reading answers health polls: a load balancer polling many times a second makes one query a second. */
export const HEALTH_MAX_AGE_MS = 1_000;

/**
 * Reads the schema state through the service's own connection (one SELECT of the history, no lock, no
 * new connection: never a backend per poll), shares one read among concurrent callers, and keeps each
 * reading for `HEALTH_MAX_AGE_MS`. Routes that only need to know whether a migration is applied may use
 * an older successful one (`recent`). A migrate call invalidates both.
 */
export class MigrationStateMonitor {
  private last: { at: number; reading: SchemaReading } | undefined;
  private inFlight: { generation: number; reading: Promise<SchemaReading> } | undefined;
  /** Bumped by invalidate(), so a read that started before a migration never caches its stale result. */
  private generation = 0;

  constructor(
    private readonly registry: Registry,
    private readonly source: HistorySource,
    private readonly maxAgeMs = 5_000,
  ) {}

  private fresh(): Promise<SchemaReading> {
    if (this.inFlight?.generation === this.generation) return this.inFlight.reading;
    const generation = this.generation;
    const reading = this.source
      .readHistory()
      .then(
        (history) => statusFromHistory(this.registry, this.source.target, history, this.source.kind),
        (error: unknown): PlaneStatus => ({ plane: this.registry.plane, target: this.source.target, ok: false, entries: [], error: toPlaneError(error) }),
      )
      .then((status): SchemaReading => {
        const result: SchemaReading = { status, state: status.ok ? toState(status) : null };
        if (generation === this.generation) this.last = { at: Date.now(), reading: result };
        if (this.inFlight?.reading === reading) this.inFlight = undefined;
        return result;
      });
    this.inFlight = { generation, reading };
    return reading;
  }

  /** A reading at most `HEALTH_MAX_AGE_MS` old, failed or not (concurrent callers share one query). */
  read(): Promise<SchemaReading> {
    const last = this.last;
    if (last && Date.now() - last.at < HEALTH_MAX_AGE_MS) return Promise.resolve(last.reading);
    return this.fresh();
  }

  /** The last reading if it is recent and succeeded, else a fresh one. */
  async recent(): Promise<SchemaReading> {
    const last = this.last;
    if (last?.reading.state && Date.now() - last.at < this.maxAgeMs) return last.reading;
    return this.fresh();
  }

  /** Forget what was read: the schema just changed. */
  invalidate(): void {
    this.generation++;
    this.last = undefined;
  }
}
