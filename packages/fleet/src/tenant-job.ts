import { MigratorError, createDialect, runMigrations, toPlaneError, verifySchema, type Logger, type PlaneError, type Registry } from '@atlasai/migrator-core';
import type { ItemState, RunMode, TenantItemError } from './types.js';

/** What one attempt on one tenant came to. */
export interface TenantOutcome {
  readonly state: ItemState;
  /** Worth another attempt (a transient failure), when attempts remain. */
  readonly transient: boolean;
  readonly version: number | null;
  readonly pending: number | null;
  readonly drift: boolean | null;
  readonly error: TenantItemError | null;
}

/** Why a tenant's signal aborted: its deadline, its run's cancellation, or this replica shutting down. */
export type AbortReason = 'deadline' | 'cancelled' | 'shutdown';

const TRANSIENT_CODES = new Set(['LOCK_TIMEOUT', 'LOCK_CONTENTION']);
const TRANSIENT_SQLSTATE = /^(08...|53300|57P01|57P03|40P01|55P03)$/;
/** The database is not there, or will not let this role in: another attempt would say the same. */
const UNREACHABLE_SQLSTATE = /^(3D000|28000|28P01)$/;
const LOST_CONNECTION = /Connection terminated|ECONNRESET|ECONNREFUSED|EHOSTUNREACH|ETIMEDOUT|connection.*(lost|closed)/i;

function toItemError(error: PlaneError): TenantItemError {
  return {
    code: error.code,
    message: error.message,
    ...(error.version === null ? {} : { version: error.version }),
    ...(error.statement === null ? {} : { statement: error.statement }),
    ...(error.sqlstate === null ? {} : { sqlstate: error.sqlstate }),
  };
}

/** Classifies a failed run: transient failures may be retried, the rest fail the tenant at once. */
export function classify(error: PlaneError, abortReason: AbortReason | undefined): Pick<TenantOutcome, 'state' | 'transient'> {
  if (error.code === 'ABORTED')
    return { state: abortReason === 'cancelled' ? 'cancelled' : abortReason === 'shutdown' ? 'queued' : 'timed_out', transient: false };
  const sqlstate = error.sqlstate ?? '';
  if (error.code === 'CONNECTION_FAILED') return { state: 'unreachable', transient: !UNREACHABLE_SQLSTATE.test(sqlstate) };
  if (TRANSIENT_CODES.has(error.code) || TRANSIENT_SQLSTATE.test(sqlstate)) return { state: 'failed', transient: true };
  if (error.code === 'DATABASE_ERROR' && LOST_CONNECTION.test(error.message)) return { state: 'failed', transient: true };
  return { state: 'failed', transient: false };
}

export interface TenantRun {
  readonly mode: RunMode;
  readonly dbUrl: string;
  readonly registry: Registry;
  readonly logger: Logger;
  readonly applicationName: string;
  readonly signal: AbortSignal;
  readonly abortReason: () => AbortReason | undefined;
}

/**
 * One session on one tenant: `apply` migrates, `plan` is the engine's dry run, `scan` reads the history
 * and compares the schema with the registry's snapshot (verify). The engine's own connect wait is off:
 * the fleet retries unreachable tenants itself, with backoff, through pg-boss.
 */
export async function runTenant(job: TenantRun): Promise<TenantOutcome> {
  const known = job.registry.migrations.map((m) => m.version);
  let dialect: Awaited<ReturnType<typeof createDialect>>;
  try {
    dialect = await createDialect(job.dbUrl, job.logger, { connectWaitMs: 0 });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return {
      state: 'failed',
      transient: false,
      version: null,
      pending: null,
      drift: null,
      error: { code: (error as { code?: string }).code ?? 'CONFIG_INVALID', message },
    };
  }
  if (job.mode === 'scan') {
    const verification = await verifySchema({ registry: job.registry, dialect });
    if (verification.error && verification.appliedVersions.length === 0 && verification.error.code !== 'CONFIG_INVALID') {
      // The engine's own shape of an error, from verify's code and message (no migration is involved).
      const error = toPlaneError(new MigratorError(verification.error.code, verification.error.message));
      return { ...classify(error, job.abortReason()), version: null, pending: null, drift: null, error: toItemError(error) };
    }
    const applied = new Set(verification.appliedVersions);
    return {
      state: 'succeeded',
      transient: false,
      version: verification.appliedVersions.at(-1) ?? null,
      pending: known.filter((v) => !applied.has(v)).length,
      drift: verification.error ? null : !verification.ok,
      error: null,
    };
  }
  const report = await runMigrations({
    registry: job.registry,
    dialect,
    mode: job.mode === 'plan' ? 'dry-run' : 'apply',
    logger: job.logger,
    signal: job.signal,
    applicationName: job.applicationName,
  });
  const applied = [...report.alreadyApplied, ...report.applied.map((m) => m.version)];
  const version = applied.length > 0 ? Math.max(...applied) : null;
  const drift = report.drift ? report.drift.error === null && report.drift.findings.length > 0 : null;
  if (report.error) {
    return {
      ...classify(report.error, job.abortReason()),
      version: report.connected ? version : null,
      pending: report.connected ? report.pending.length : null,
      drift,
      error: toItemError(report.error),
    };
  }
  return { state: 'succeeded', transient: false, version, pending: report.pending.length, drift, error: null };
}
