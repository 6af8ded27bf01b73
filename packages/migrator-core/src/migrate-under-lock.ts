import { throwIfAborted } from './abort.js';
import { applyBatch, nextBatchSize, takeBatch } from './apply-batch.js';
import { applyMigration } from './apply-migration.js';
import { historyNeedsPreparation, type Session, type Statement } from './dialect.js';
import { statementsChecksumOf } from './dialects/statements-checksum.js';
import type { Logger } from './logger.js';
import { CHECKSUM_ALGORITHM, type Migration } from './migration.js';
import { planRun } from './plan.js';
import type { PlaneReportBuilder } from './plane-report-builder.js';
import { prepareStatements } from './prepare-statements.js';
import type { Registry } from './registry.js';
import type { AppliedMigration, ReformattedMigration } from './report.js';
import { DEFAULT_HEARTBEAT_MS, type RunOptions } from './run-options.js';
import { checkDriftAfterRun } from './schema/drift-check.js';
import { explainUnmadeObject } from './unmade-object.js';
import { unrecordedObjects, unrecordedSchemaError } from './unrecorded-schema.js';

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

export async function migrateUnderLock(session: Session, options: RunOptions, report: PlaneReportBuilder): Promise<void> {
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
