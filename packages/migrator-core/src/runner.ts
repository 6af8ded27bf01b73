import { MigrationFailure, applyMigration, failure, statementsToRun } from './apply-migration.js';
import { StatementError, historyNeedsPreparation, type Dialect, type Session, type Statement } from './dialect.js';
import { isMigratorError, messageOf } from './errors.js';
import type { Logger } from './logger.js';
import type { Migration } from './migration.js';
import { planRun, type Plan } from './plan.js';
import type { Registry } from './registry.js';
import type { AppliedMigration, FailedMigration, PendingMigration, PlaneError, PlaneReport, RunMode, UnverifiedMigration } from './report.js';

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
}

function toPlaneError(error: unknown, migration: FailedMigration | null = null): PlaneError {
  const e = isMigratorError(error) ? error : undefined;
  // A statement failure's fields say where; its message is the database's own words.
  const located = (e?.code === 'STATEMENT_FAILED' || e?.code === 'PERMISSION_DENIED') && e.cause instanceof StatementError;
  return {
    code: e?.code ?? 'DATABASE_ERROR',
    message: messageOf(located ? e.cause : error),
    version: e?.version ?? null,
    name: e?.migrationName ?? null,
    file: e?.file ?? null,
    statement: e?.statement ?? null,
    line: e?.line ?? null,
    column: e?.column ?? null,
    sqlstate: e?.sqlstate ?? null,
    dbCode: e?.dbCode ?? null,
    detail: e?.detail ?? null,
    hint: e?.hint ?? null,
    migration,
  };
}

class PlaneReportBuilder {
  connected = false;
  applied: AppliedMigration[] = [];
  alreadyApplied: number[] = [];
  pending: PendingMigration[] = [];
  unknownApplied: number[] = [];
  outOfOrder: number[] = [];
  unverified: UnverifiedMigration[] = [];
  error: PlaneError | null = null;

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
      error: this.error,
    });
  }
}

/** Splits every pending migration and refuses what cannot run, before anything runs. */
async function prepareStatements(session: Session, plane: string, pending: readonly Migration[]): Promise<Map<number, readonly Statement[]>> {
  const prepared = new Map<number, readonly Statement[]>();
  for (const migration of pending) {
    const script = migration.scripts[session.sqlVariant];
    try {
      const statements = await session.split(script);
      const inTransaction = script.transactional || !session.canRunOutsideTransaction;
      prepared.set(migration.version, statementsToRun(plane, migration, session, statements, inTransaction));
    } catch (error) {
      const inTransaction = script.transactional || !session.canRunOutsideTransaction;
      throw new MigrationFailure(failure(plane, migration, session.sqlVariant, error), { transactional: inTransaction, outcome: 'not-run', committedStatements: [] });
    }
  }
  return prepared;
}

async function migrateUnderLock(session: Session, options: RunOptions, report: PlaneReportBuilder): Promise<void> {
  const { registry, logger } = options;
  // Another process may have run (or adopted the table) while this one waited: read again under the lock.
  let history = await session.readHistory();
  if (historyNeedsPreparation(history)) {
    await session.prepareHistory(history);
    history = await session.readHistory();
  }
  const plan = planRun(registry, history, session.sqlVariant, options.to);
  report.takePlan(plan);
  if (plan.mismatch) throw plan.mismatch;
  const prepared = await prepareStatements(session, registry.plane, plan.pending);
  const done = new Set<number>();
  try {
    for (const migration of plan.pending) {
      logger.info('applying migration', { plane: registry.plane, version: migration.version, name: migration.name });
      const applied = await applyMigration(session, registry.plane, migration, prepared.get(migration.version)!);
      report.applied.push(applied);
      done.add(migration.version);
      logger.info('applied migration', { plane: registry.plane, version: applied.version, outcome: applied.outcome, durationMs: applied.durationMs });
    }
  } finally {
    report.pending = report.pending.filter((p) => !done.has(p.version));
  }
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
  let session: Session;
  try {
    session = await dialect.connect({ applicationName: `atlas-migrate:${plane}`, readOnly: mode === 'dry-run', lockTimeoutMs });
  } catch (error) {
    report.error = toPlaneError(error);
    logger.error('connection failed', { plane, target: dialect.target, error: report.error.message });
    return report.build();
  }
  report.connected = true;
  try {
    const history = await session.readHistory();
    const plan = planRun(registry, history, session.sqlVariant, options.to);
    report.takePlan(plan);
    if (plan.mismatch) throw plan.mismatch;
    if (plan.unknownApplied.length > 0) {
      logger.warn('schema_migrations has versions this release does not know (a newer release ran); leaving them alone', { plane, versions: plan.unknownApplied });
    }
    if (plan.outOfOrder.length > 0) {
      logger.warn('pending versions are lower than the highest applied one (merged late); they are applied, not skipped', { plane, versions: plan.outOfOrder });
    }
    if (plan.unverified.some((row) => row.reason !== 'no checksum recorded')) {
      logger.warn('applied migrations whose checksum this release cannot verify', { plane, rows: plan.unverified });
    }
    // A dry run refuses what the real run would refuse before running anything (syntax, transaction control).
    if (mode === 'dry-run') await prepareStatements(session, plane, plan.pending);
    // Nothing pending costs one query and no lock: replicas booting together never queue for it.
    if (mode === 'apply' && plan.pending.length > 0) {
      await session.withLock(lockTimeoutMs, () => migrateUnderLock(session, options, report));
    }
  } catch (error) {
    report.error = error instanceof MigrationFailure ? toPlaneError(error.error, error.migration) : toPlaneError(error);
    logger.error('migration run failed', { plane, code: report.error.code, error: report.error.message });
  } finally {
    await session.close().catch((error: unknown) => logger.warn('closing the connection failed', { plane, error: messageOf(error) }));
  }
  return report.build();
}
