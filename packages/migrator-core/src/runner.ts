import { abortedBeforeStart, abortedPlaneError, throwIfAborted } from './abort.js';
import { applyBatch, nextBatchSize, takeBatch } from './apply-batch.js';
import { MigrationFailure, applyMigration, failure, statementsToRun } from './apply-migration.js';
import { historyNeedsPreparation, type Dialect, type Session, type Statement } from './dialect.js';
import { messageOf } from './errors.js';
import type { Logger } from './logger.js';
import { CHECKSUM_ALGORITHM, type Migration, type SqlVariant } from './migration.js';
import { planRun, type Plan } from './plan.js';
import type { Registry } from './registry.js';
import { checkDriftAfterRun, type DriftReport } from './schema/drift-check.js';
import { unrecordedObjects, unrecordedSchemaError } from './unrecorded-schema.js';
import { explainUnmadeObject } from './unmade-object.js';
import {
  toPlaneError,
  withSourceLine,
  type ProgressEvent,
  type PlannedMigration,
  type AppliedMigration,
  type PendingMigration,
  type PlaneError,
  type PlaneReport,
  type ReformattedMigration,
  type RunMode,
  type SyntaxGrammar,
  type UnverifiedMigration,
} from './report.js';
import { statementsChecksumOf } from './dialects/statements-checksum.js';

export const DEFAULT_LOCK_TIMEOUT_MS = 60_000;

export interface RunOptions {
  readonly registry: Registry;
  readonly dialect: Dialect;
  readonly mode: RunMode;
  /** Required: callers choose where progress goes (`silentLogger` to drop it). */
  readonly logger: Logger;
  /** Apply pending migrations up to and including this version. */
  readonly to?: number;
  /** How long to wait for another run of the same plane to finish. Default 60 s. */
  readonly lockTimeoutMs?: number;
  /** Live progress, as it happens (connecting, waiting for the lock, each migration, long statements). */
  readonly onProgress?: (event: ProgressEvent) => void;
  /** How often a long statement reports that it is still running. Default 10 s. */
  readonly heartbeatMs?: number;
  /**
   * Whether consecutive transactional migrations may share a transaction (PostgreSQL; default true).
   * A batch keeps each migration's meaning (its deferred constraints are checked at its end, its history
   * row records its own time) except that `now()` and the transaction id are the batch's: false gives
   * every migration a transaction of its own, as SQLite always does.
   */
  readonly batch?: boolean;
  /**
   * Ends the run when it aborts: the running statement is ended on the server (PostgreSQL: its backend is
   * terminated, so its transaction rolls back and nothing unfinished is recorded), no further migration
   * starts, and the report's error has the code ABORTED.
   */
  readonly signal?: AbortSignal;
  /** The session's `application_name` (default `atlas-migrate:<plane>`), so sessions can be told apart. */
  readonly applicationName?: string;
  /** Called with what a run would apply (both modes, only when something is pending), before the lock: a rejection refuses the run. */
  readonly beforeApply?: (pending: readonly Migration[], variant: SqlVariant) => Promise<void>;
}

export const DEFAULT_HEARTBEAT_MS = 10_000;

class PlaneReportBuilder {
  connected = false;
  applied: AppliedMigration[] = [];
  alreadyApplied: number[] = [];
  pending: PendingMigration[] = [];
  unknownApplied: number[] = [];
  outOfOrder: number[] = [];
  unverified: UnverifiedMigration[] = [];
  reformatted: ReformattedMigration[] = [];
  /** Whether this run may have committed anything (the history made or adopted, a row written). */
  changed = false;
  unrecordedObjects: readonly string[] = [];
  drift: DriftReport | null = null;
  error: PlaneError | null = null;
  planned: PlannedMigration[] | undefined;
  syntaxGrammar: SyntaxGrammar | null = null;

  constructor(
    private readonly plane: string,
    private readonly target: string,
    private readonly mode: RunMode,
  ) {}

  takePlan(plan: Plan): void {
    this.alreadyApplied = plan.alreadyApplied;
    this.unknownApplied = plan.unknownApplied;
    this.outOfOrder = plan.outOfOrder;
    this.unverified = plan.unverified;
    this.reformatted = plan.reformatted;
    const notRun = this.mode === 'dry-run' ? plan.pending : [...plan.pending, ...plan.beyondTarget];
    this.pending = notRun.map(({ version, name }) => ({ version, name }));
  }

  build(): PlaneReport {
    return Object.freeze({
      plane: this.plane,
      target: this.target,
      mode: this.mode,
      ok: this.error === null,
      connected: this.connected,
      applied: this.applied,
      alreadyApplied: this.alreadyApplied,
      pending: this.pending,
      unknownApplied: this.unknownApplied,
      outOfOrder: this.outOfOrder,
      unverified: this.unverified,
      ...(this.reformatted.length > 0 ? { reformatted: this.reformatted } : {}),
      changed: this.changed,
      ...(this.unrecordedObjects.length > 0 ? { unrecordedObjects: this.unrecordedObjects } : {}),
      drift: this.drift,
      error: this.error,
      ...(this.planned ? { planned: this.planned } : {}),
      ...(this.mode === 'dry-run' ? { syntaxGrammar: this.syntaxGrammar } : {}),
    });
  }
}

/** What a dry run found it would run. */
function planned(session: Session, pending: readonly Migration[], prepared: Map<number, readonly Statement[]>): PlannedMigration[] {
  return pending.map(({ version, name, scripts }) => {
    const script = scripts[session.sqlVariant];
    const transactional = script.transactional || !session.canRunOutsideTransaction;
    return {
      version,
      name,
      file: script.file,
      sqlVariant: session.sqlVariant,
      transactional,
      checksum: script.checksum,
      statements: prepared.get(version)!.map((s) => s.text),
    };
  });
}

/**
 * Re-records the checksums of applied migrations whose files changed only outside their statements, each
 * with an audit row (`reformat`), in one transaction: the warning is said by this run, and not again.
 */
async function rerecordReformatted(session: Session, registry: Registry, reformatted: readonly ReformattedMigration[], logger: Logger): Promise<void> {
  if (reformatted.length === 0) return;
  const byVersion = new Map(registry.migrations.map((m) => [m.version, m]));
  await session.transaction(async () => {
    for (const edit of reformatted) {
      const script = byVersion.get(edit.version)!.scripts[session.sqlVariant];
      await session.updateChecksum(edit.version, edit.checksum, CHECKSUM_ALGORITHM, statementsChecksumOf(script, session.sqlVariant));
      await session.audit({
        version: edit.version,
        action: 'reformat',
        oldChecksum: edit.recordedChecksum,
        newChecksum: edit.checksum,
        reason: `${edit.file} changed only in comments or white space`,
      });
    }
  });
  logger.warn('applied migrations changed only in comments or white space; their checksums are re-recorded', {
    plane: registry.plane,
    versions: reformatted.map((r) => r.version),
  });
}

/**
 * Splits every pending migration and refuses what cannot run, before anything runs: the database checks
 * each statement's syntax (PostgreSQL's parser already did while splitting), so that a syntax error in
 * the last migration leaves the first unapplied too.
 */
async function prepareStatements(session: Session, plane: string, pending: readonly Migration[]): Promise<Map<number, readonly Statement[]>> {
  const prepared = new Map<number, readonly Statement[]>();
  for (const migration of pending) {
    const script = migration.scripts[session.sqlVariant];
    try {
      const statements = await session.split(script);
      await session.checkSyntax(statements);
      const inTransaction = script.transactional || !session.canRunOutsideTransaction;
      prepared.set(migration.version, statementsToRun(plane, migration, session, statements, inTransaction));
    } catch (error) {
      const inTransaction = script.transactional || !session.canRunOutsideTransaction;
      throw new MigrationFailure(failure(plane, migration, session.sqlVariant, error), {
        transactional: inTransaction,
        outcome: 'not-run',
        committedStatements: [],
      });
    }
  }
  return prepared;
}

async function migrateUnderLock(session: Session, options: RunOptions, report: PlaneReportBuilder): Promise<void> {
  const { registry, logger } = options;
  const plane = registry.plane;
  const progress = options.onProgress ?? (() => {});
  // Another process may have run (or adopted the table) while this one waited: read again under the lock.
  let history = await session.readHistory();
  // Before the history is created: a refused run leaves the database exactly as it found it.
  if (history === null) {
    const objects = await unrecordedObjects(session, registry, logger);
    if (objects.length > 0) throw unrecordedSchemaError(registry, objects);
  }
  if (historyNeedsPreparation(history)) {
    report.changed = true;
    await session.prepareHistory(history);
    history = await session.readHistory();
  }
  const plan = planRun(registry, history, session.sqlVariant, options.to, options.dialect.target);
  report.takePlan(plan);
  if (plan.mismatch) throw plan.mismatch;
  await rerecordReformatted(session, registry, plan.reformatted, logger);
  if (plan.reformatted.length > 0) report.changed = true;
  const prepared = await prepareStatements(session, registry.plane, plan.pending);
  const done = new Set<number>();
  const everyMs = options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS;
  const recordApplied = (applied: AppliedMigration) => {
    report.changed = true;
    report.applied.push(applied);
    done.add(applied.version);
    logger.info('applied migration', { plane, version: applied.version, outcome: applied.outcome, durationMs: applied.durationMs });
    progress({ kind: 'migration-end', plane, version: applied.version, outcome: applied.outcome, durationMs: applied.durationMs });
  };
  const applyOne = async (migration: Migration) => {
    const { version, name } = migration;
    throwIfAborted(options.signal, plane);
    logger.info('applying migration', { plane, version, name });
    progress({ kind: 'migration-start', plane, version, name });
    const started = performance.now();
    const heartbeat = {
      everyMs,
      beat: (s: Statement, elapsedMs: number) =>
        progress({ kind: 'statement-running', plane, version, statement: s.index, line: s.line, text: s.text, elapsedMs }),
    };
    const applied = await applyMigration(session, plane, migration, prepared.get(version)!, heartbeat).catch(async (error: unknown) => {
      progress({ kind: 'migration-end', plane, version, outcome: 'failed', durationMs: Math.round(performance.now() - started) });
      throw await explainUnmadeObject(
        { session, registry, target: options.dialect.target, applied: [...plan.alreadyApplied, ...done], statements: prepared.get(version), logger },
        error,
      );
    });
    recordApplied(applied);
  };
  try {
    // Consecutive transactional migrations share a transaction where the dialect can (apply-batch.ts);
    // a batch that does not apply cleanly is replayed one migration at a time.
    let size = 1;
    for (let i = 0; i < plan.pending.length; ) {
      const batch = takeBatch(session, plan.pending, i, options.batch === false ? 1 : size);
      if (batch.length === 1) {
        await applyOne(batch[0]!);
        size = nextBatchSize(size, 0);
      } else {
        const versions = batch.map((m) => m.version);
        const started = performance.now();
        const applied = await applyBatch(session, plane, batch, prepared, {
          everyMs,
          beat: (elapsedMs) => progress({ kind: 'batch-running', plane, versions, elapsedMs }),
        });
        if (applied) {
          for (const [k, migration] of batch.entries()) {
            logger.info('applying migration', { plane, version: migration.version, name: migration.name, batch: versions.length });
            progress({ kind: 'migration-start', plane, version: migration.version, name: migration.name });
            recordApplied(applied[k]!);
          }
        } else {
          logger.info('a batch of migrations did not apply cleanly; replaying them one by one', { plane, versions });
          for (const migration of batch) await applyOne(migration);
        }
        size = nextBatchSize(size, applied ? performance.now() - started : null);
      }
      i += batch.length;
    }
  } finally {
    report.pending = report.pending.filter((p) => !done.has(p.version));
  }
  // Still under the lock: no other run changes the schema while it is compared with the snapshot.
  report.drift = await checkDriftAfterRun(session, registry, { all: [...plan.alreadyApplied, ...done], now: [...done] }, logger);
}

/**
 * Brings one plane's database up to date (or, in a dry run, reports what that would do without
 * changing anything). Never throws for a database or migration failure: the report carries it.
 */
export async function runMigrations(options: RunOptions): Promise<PlaneReport> {
  const { registry, dialect, mode, logger } = options;
  const plane = registry.plane;
  const report = new PlaneReportBuilder(plane, dialect.target, mode);
  const lockTimeoutMs = options.lockTimeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS;
  const progress = options.onProgress ?? (() => {});
  if (options.signal?.aborted) {
    report.error = abortedBeforeStart(options.signal, plane);
    return report.build();
  }
  progress({ kind: 'connecting', plane, target: dialect.target });
  let session: Session;
  try {
    const signal = options.signal ? { signal: options.signal } : {};
    session = await dialect.connect({
      applicationName: options.applicationName ?? `atlas-migrate:${plane}`,
      readOnly: mode === 'dry-run',
      lockTimeoutMs,
      historyFirst: true,
      ...signal,
    });
  } catch (error) {
    report.error = abortedPlaneError(options.signal, toPlaneError(error));
    // The report carries the failure (the CLI prints it, a service logs it): the log only narrates it.
    logger.info('connection failed', { plane, target: dialect.target, error: report.error.message });
    return report.build();
  }
  report.connected = true;
  progress({ kind: 'connected', plane });
  try {
    const history = await session.readHistory();
    const plan = planRun(registry, history, session.sqlVariant, options.to, dialect.target);
    report.takePlan(plan);
    if (plan.mismatch) throw plan.mismatch;
    if (plan.pending.length > 0 && options.beforeApply) await options.beforeApply(plan.pending, session.sqlVariant);
    if (plan.unknownApplied.length > 0) {
      logger.info('schema_migrations has versions this release does not know (a newer release ran); leaving them alone', {
        plane,
        versions: plan.unknownApplied,
      });
    }
    if (plan.outOfOrder.length > 0) {
      logger.info('pending versions are lower than the highest applied one (merged late); they are applied, not skipped', { plane, versions: plan.outOfOrder });
    }
    if (plan.unverified.some((row) => row.reason !== 'no checksum recorded')) {
      logger.info('applied migrations whose checksum this release cannot verify', { plane, rows: plan.unverified });
    }
    // A dry run refuses what the real run would refuse before running anything (syntax, transaction control).
    if (mode === 'dry-run') {
      // What `up` would refuse, said without refusing.
      if (history === null && plan.pending.length > 0) report.unrecordedObjects = await unrecordedObjects(session, registry, logger);
      if (plan.pending.length > 0) report.syntaxGrammar = session.newerGrammar ?? null;
      report.planned = planned(session, plan.pending, await prepareStatements(session, plane, plan.pending));
    }
    // Nothing pending costs one query and no lock: replicas booting together never queue for it.
    if (mode === 'apply' && (plan.pending.length > 0 || plan.reformatted.length > 0)) {
      // The parser loads (its WebAssembly compiles off the main thread) while the lock and the history are read.
      session.prepareToSplit?.(plan.pending.map((m) => m.scripts[session.sqlVariant]));
      const onWait = (holder: string) => progress({ kind: 'lock-wait', plane, holder });
      await session.withLock(lockTimeoutMs, () => migrateUnderLock(session, options, report), onWait);
    }
  } catch (error) {
    const planeError = abortedPlaneError(options.signal, error instanceof MigrationFailure ? toPlaneError(error.error, error.migration) : toPlaneError(error));
    report.error = withSourceLine(planeError, registry.migrations, session.sqlVariant);
    logger.info('migration run failed', { plane, code: report.error.code, error: report.error.message });
  } finally {
    await session.close().catch((error: unknown) => logger.warn('closing the connection failed', { plane, error: messageOf(error) }));
  }
  return report.build();
}
