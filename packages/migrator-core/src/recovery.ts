import { historyNeedsPreparation, type Dialect, type History, type Session } from './dialect.js';
import { MigratorError } from './errors.js';
import type { Logger } from './logger.js';
import { CHECKSUM_ALGORITHM } from './migration.js';
import type { Registry } from './registry.js';
import { toPlaneError, type PlaneError } from './report.js';
import { DEFAULT_LOCK_TIMEOUT_MS } from './runner.js';
import { statementsChecksumOf } from './dialects/statements-checksum.js';

/**
 * The two recovery commands. Both take the plane's lock, change only `schema_migrations`, and leave an
 * audit trail in `schema_migrations_audit` (what, old and new checksum, why, who, when).
 */

/** What a recovery command did to one plane's history. */
export interface RecoveryReport {
  readonly plane: string;
  readonly target: string;
  readonly ok: boolean;
  readonly action: 'baseline' | 'repair';
  /** The versions whose history rows it wrote or changed. */
  readonly versions: readonly number[];
  /** One line per change, for the operator. */
  readonly changes: readonly string[];
  readonly error: PlaneError | null;
}

interface RecoveryOptions {
  readonly registry: Registry;
  readonly dialect: Dialect;
  readonly logger: Logger;
  readonly lockTimeoutMs?: number;
}

const refuse = (plane: string, message: string) => new MigratorError('RECOVERY_REFUSED', message, { plane });

/** Runs `work` on the plane's history under its lock, in one transaction; reports instead of throwing. */
async function underLock(
  options: RecoveryOptions,
  action: RecoveryReport['action'],
  work: (session: Session, history: History) => Promise<{ versions: number[]; changes: string[] }>,
): Promise<RecoveryReport> {
  const { registry, dialect, logger } = options;
  const base = { plane: registry.plane, target: dialect.target, action };
  const lockTimeoutMs = options.lockTimeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS;
  let session: Session;
  try {
    session = await dialect.connect({ applicationName: `atlas-migrate:${registry.plane}:${action}`, readOnly: false, lockTimeoutMs });
  } catch (error) {
    return { ...base, ok: false, versions: [], changes: [], error: toPlaneError(error) };
  }
  try {
    const done = await session.withLock(lockTimeoutMs, async () => {
      let history = await session.readHistory();
      if (historyNeedsPreparation(history)) {
        await session.prepareHistory(history);
        history = await session.readHistory();
      }
      return session.transaction(() => work(session, history!));
    });
    logger.info(`${action} done`, { plane: registry.plane, versions: done.versions });
    return { ...base, ok: true, ...done, error: null };
  } catch (error) {
    return { ...base, ok: false, versions: [], changes: [], error: toPlaneError(error) };
  } finally {
    await session.close().catch(() => undefined);
  }
}

/**
 * Records the registry's migrations up to `to` as applied without running them (outcome `baselined`),
 * for a database whose schema was made by other means. Refuses when any of them is already recorded.
 */
export function baselineMigrations(options: RecoveryOptions & { readonly to: number; readonly reason?: string }): Promise<RecoveryReport> {
  const { registry, to } = options;
  return underLock(options, 'baseline', async (session, history) => {
    const migrations = registry.migrations.filter((m) => m.version <= to);
    if (migrations.length === 0) throw refuse(registry.plane, `No migration of ${registry.plane} is at or below ${to}: nothing to baseline`);
    const recorded = new Set(history.rows.map((r) => r.version));
    const already = migrations.filter((m) => recorded.has(m.version)).map((m) => m.version);
    if (already.length > 0)
      throw refuse(
        registry.plane,
        `Cannot baseline ${registry.plane} to ${to}: ${already.join(', ')} already recorded in schema_migrations. Baseline is for a history that has ` +
          `none of them.`,
      );
    for (const m of migrations) {
      const checksum = m.scripts[session.sqlVariant].checksum;
      const statementsChecksum = statementsChecksumOf(m.scripts[session.sqlVariant], session.sqlVariant);
      await session.record({
        version: m.version,
        name: m.name,
        checksum,
        checksumAlgorithm: CHECKSUM_ALGORITHM,
        statementsChecksum,
        executionMs: 0,
        outcome: 'baselined',
      });
      await session.audit({
        version: m.version,
        action: 'baseline',
        oldChecksum: null,
        newChecksum: checksum,
        reason: options.reason ?? `baseline --to ${to}`,
      });
    }
    return { versions: migrations.map((m) => m.version), changes: migrations.map((m) => `${m.version} (${m.name}) recorded as baselined`) };
  });
}

/**
 * Re-records the checksum of one applied migration whose file changed, with the operator's reason, and
 * keeps the old and new checksum in the audit table. Never touches a migration that is not applied.
 */
export function repairChecksum(options: RecoveryOptions & { readonly version: number; readonly reason: string }): Promise<RecoveryReport> {
  const { registry, version, reason } = options;
  return underLock(options, 'repair', async (session, history) => {
    if (reason.trim() === '') throw refuse(registry.plane, 'repair needs a --reason: it is kept in schema_migrations_audit');
    const migration = registry.migrations.find((m) => m.version === version);
    if (!migration) throw refuse(registry.plane, `Migration ${version} is not in the ${registry.plane} registry: nothing to repair`);
    const row = history.rows.find((r) => r.version === version);
    if (!row)
      throw refuse(registry.plane, `Migration ${version} (${migration.name}) is not applied: repair only re-records applied migrations (run it instead)`);
    const checksum = migration.scripts[session.sqlVariant].checksum;
    if (row.checksum === checksum && row.checksumAlgorithm === CHECKSUM_ALGORITHM) {
      return { versions: [], changes: [`${version} (${migration.name}) already matches its file: nothing to repair`] };
    }
    await session.updateChecksum(version, checksum, CHECKSUM_ALGORITHM, statementsChecksumOf(migration.scripts[session.sqlVariant], session.sqlVariant));
    await session.audit({ version, action: 'repair', oldChecksum: row.checksum, newChecksum: checksum, reason });
    return {
      versions: [version],
      changes: [`${version} (${migration.name}) checksum re-recorded: ${row.checksum ?? 'none'} -> ${checksum} (reason: ${reason})`],
    };
  });
}
