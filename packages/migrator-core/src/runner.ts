import { StatementError, type Dialect, type History, type Session } from './dialect.js';
import { MigratorError, isMigratorError, messageOf } from './errors.js';
import type { Logger } from './logger.js';
import { CHECKSUM_ALGORITHM, type Migration, type SqlVariant } from './migration.js';
import type { Registry } from './registry.js';
import type { AppliedMigration, PendingMigration, PlaneError, PlaneReport, RunMode } from './report.js';

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

/** What a run would do, computed from `schema_migrations` and the registry alone. */
interface Plan {
  readonly alreadyApplied: number[];
  readonly pending: Migration[];
  readonly beyondTarget: Migration[];
  readonly unknownApplied: number[];
  readonly outOfOrder: number[];
  /** Set when applied SQL has changed since it ran: the run must not go on. */
  readonly mismatch: MigratorError | null;
}

/** Compares recorded history with the registry, including the checksums of what was applied. */
function planRun(registry: Registry, history: History | null, variant: SqlVariant, to: number | undefined): Plan {
  const rows = new Map((history?.rows ?? []).map((row) => [row.version, row]));
  const known = new Set(registry.migrations.map((m) => m.version));
  const changed: Migration[] = [];
  const alreadyApplied: number[] = [];
  const pending: Migration[] = [];
  const beyondTarget: Migration[] = [];
  for (const migration of registry.migrations) {
    const row = rows.get(migration.version);
    if (!row) {
      (to !== undefined && migration.version > to ? beyondTarget : pending).push(migration);
      continue;
    }
    alreadyApplied.push(migration.version);
    if (row.checksum && row.checksumAlgorithm === CHECKSUM_ALGORITHM && row.checksum !== migration.scripts[variant].checksum) changed.push(migration);
  }
  const first = changed[0];
  const mismatch = first
    ? new MigratorError(
        'CHECKSUM_MISMATCH',
        `Applied migration SQL has changed since it ran: ${changed
          .map((m) => `${m.version} (${m.name}): recorded ${rows.get(m.version)!.checksum}, file ${m.scripts[variant].checksum}`)
          .join('; ')}. Applied migrations are immutable: restore the file and put the change in a new migration.`,
        { plane: registry.plane, version: first.version, name: first.name, file: first.scripts[variant].file },
      )
    : null;
  const maxApplied = Math.max(0, ...alreadyApplied);
  const unknownApplied = [...rows.keys()]
    .filter((version) => !known.has(version) && version >= registry.range.min && version <= registry.range.max)
    .sort((a, b) => a - b);
  const outOfOrder = pending.filter((m) => m.version < maxApplied).map((m) => m.version);
  return { alreadyApplied, pending, beyondTarget, unknownApplied, outOfOrder, mismatch };
}

function toPlaneError(error: unknown): PlaneError {
  const e = isMigratorError(error) ? error : undefined;
  // A statement failure's fields say where; its message is the database's own words.
  const located = e?.code === 'STATEMENT_FAILED' && e.cause instanceof StatementError;
  return {
    code: e?.code ?? 'DATABASE_ERROR',
    message: messageOf(located ? e.cause : error),
    version: e?.version ?? null,
    name: e?.migrationName ?? null,
    statement: e?.statement ?? null,
    line: e?.line ?? null,
    column: e?.column ?? null,
    sqlstate: e?.sqlstate ?? null,
    dbCode: e?.dbCode ?? null,
    detail: e?.detail ?? null,
    hint: e?.hint ?? null,
  };
}

function failure(plane: string, migration: Migration, variant: SqlVariant, error: unknown): MigratorError {
  if (isMigratorError(error)) return error;
  const file = migration.scripts[variant].file;
  const base = { plane, version: migration.version, name: migration.name, file, cause: error };
  if (!(error instanceof StatementError)) {
    return new MigratorError('STATEMENT_FAILED', `Migration ${migration.version} (${migration.name}) failed: ${messageOf(error)}`, base);
  }
  const code = error.sqlstate ? `SQLSTATE ${error.sqlstate}` : error.dbCode ?? 'error';
  return new MigratorError(
    'STATEMENT_FAILED',
    `Migration ${migration.version} (${migration.name}) failed at ${error.statementIndex === null ? 'parsing' : `statement ${error.statementIndex}`} (${file}, line ${error.line}, column ${error.column}): ${code}: ${error.message}`,
    {
      ...base,
      ...(error.statementIndex === null ? {} : { statement: error.statementIndex }),
      line: error.line,
      column: error.column,
      ...(error.sqlstate ? { sqlstate: error.sqlstate } : {}),
      ...(error.dbCode ? { dbCode: error.dbCode } : {}),
      ...(error.detail ? { detail: error.detail } : {}),
      ...(error.hint ? { hint: error.hint } : {}),
    },
  );
}

/**
 * Runs one migration and records it. In a transaction, the statements and the history row commit
 * together; without one, the row is written only after the last statement succeeded.
 */
async function applyMigration(session: Session, plane: string, migration: Migration): Promise<AppliedMigration> {
  const script = migration.scripts[session.sqlVariant];
  try {
    const statements = await session.split(script);
    const started = performance.now();
    const body = async (): Promise<AppliedMigration> => {
      const skippedStatements: number[] = [];
      for (const statement of statements) {
        if ((await session.execute(statement, script.transactional)) === 'already-exists') skippedStatements.push(statement.index);
      }
      const outcome = statements.length > 0 && skippedStatements.length === statements.length ? 'skipped' : 'applied';
      const durationMs = Math.round(performance.now() - started);
      await session.record({
        version: migration.version,
        name: migration.name,
        checksum: script.checksum,
        checksumAlgorithm: CHECKSUM_ALGORITHM,
        executionMs: durationMs,
        outcome,
      });
      return { version: migration.version, name: migration.name, outcome, durationMs, skippedStatements };
    };
    return script.transactional ? await session.transaction(body) : await body();
  } catch (error) {
    throw failure(plane, migration, session.sqlVariant, error);
  }
}

class PlaneReportBuilder {
  connected = false;
  applied: AppliedMigration[] = [];
  alreadyApplied: number[] = [];
  pending: PendingMigration[] = [];
  unknownApplied: number[] = [];
  outOfOrder: number[] = [];
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
      error: this.error,
    });
  }
}

async function migrateUnderLock(session: Session, options: RunOptions, report: PlaneReportBuilder): Promise<void> {
  const { registry, logger } = options;
  // Another process may have run (or adopted the table) while this one waited: read again under the lock.
  let history = await session.readHistory();
  if (history === null || history.missingColumns.length > 0) {
    await session.prepareHistory(history);
    history = await session.readHistory();
  }
  const plan = planRun(registry, history, session.sqlVariant, options.to);
  report.takePlan(plan);
  if (plan.mismatch) throw plan.mismatch;
  for (const migration of plan.pending) {
    logger.info('applying migration', { plane: registry.plane, version: migration.version, name: migration.name });
    const applied = await applyMigration(session, registry.plane, migration);
    report.applied.push(applied);
    report.pending = report.pending.filter((p) => p.version !== migration.version);
    logger.info('applied migration', { plane: registry.plane, version: applied.version, outcome: applied.outcome, durationMs: applied.durationMs });
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
  let session: Session;
  try {
    session = await dialect.connect({ applicationName: `atlas-migrate:${plane}`, readOnly: mode === 'dry-run' });
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
    // Nothing pending costs one query and no lock: replicas booting together never queue for it.
    if (mode === 'apply' && plan.pending.length > 0) {
      await session.withLock(`atlas-migrations:${plane}`, options.lockTimeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS, () =>
        migrateUnderLock(session, options, report),
      );
    }
  } catch (error) {
    report.error = toPlaneError(error);
    logger.error('migration run failed', { plane, code: report.error.code, error: report.error.message });
  } finally {
    await session.close().catch((error: unknown) => logger.warn('closing the connection failed', { plane, error: messageOf(error) }));
  }
  return report.build();
}
