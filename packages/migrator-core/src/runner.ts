import { abortedBeforeStart, abortedPlaneError } from './abort.js';
import { MigrationFailure } from './apply-migration.js';
import type { Session } from './dialect.js';
import { messageOf } from './errors.js';
import { migrateUnderLock } from './migrate-under-lock.js';
import { planRun } from './plan.js';
import { PlaneReportBuilder } from './plane-report-builder.js';
import { planned, prepareStatements } from './prepare-statements.js';
import { toPlaneError, withSourceLine, type PlaneReport } from './report.js';
import { DEFAULT_LOCK_TIMEOUT_MS, type RunOptions } from './run-options.js';
import { unrecordedObjects } from './unrecorded-schema.js';

export { DEFAULT_HEARTBEAT_MS, DEFAULT_LOCK_TIMEOUT_MS, type RunOptions } from './run-options.js';

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
