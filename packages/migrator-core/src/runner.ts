import { CommitUnknownError, StatementError, historyNeedsPreparation, type Dialect, type History, type Session, type Statement } from './dialect.js';
import { MigratorError, isMigratorError, messageOf } from './errors.js';
import type { Logger } from './logger.js';
import { CHECKSUM_ALGORITHM, type Migration, type SqlVariant } from './migration.js';
import type { Registry } from './registry.js';
import type { AppliedMigration, FailedMigration, PendingMigration, PlaneError, PlaneReport, PresentObject, RunMode, UnverifiedMigration } from './report.js';

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

/** Applied rows the checksum check cannot vouch for: no checksum, or one of an algorithm this release does not know. */
function unverifiedRows(history: History | null): UnverifiedMigration[] {
  return (history?.rows ?? [])
    .filter((row) => row.checksumAlgorithm !== CHECKSUM_ALGORITHM)
    .map((row) => ({
      version: row.version,
      reason: row.checksum === null ? 'no checksum recorded' : row.checksumAlgorithm === null ? 'checksum algorithm missing' : `unknown checksum algorithm ${row.checksumAlgorithm}`,
    }));
}

/** What a run would do, computed from `schema_migrations` and the registry alone. */
interface Plan {
  readonly alreadyApplied: number[];
  readonly pending: Migration[];
  readonly beyondTarget: Migration[];
  readonly unknownApplied: number[];
  readonly outOfOrder: number[];
  readonly unverified: UnverifiedMigration[];
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
  const unverified = unverifiedRows(history).filter((row) => known.has(row.version));
  return { alreadyApplied, pending, beyondTarget, unknownApplied, outOfOrder, unverified, mismatch };
}

function toPlaneError(error: unknown, migration: FailedMigration | null = null): PlaneError {
  const e = isMigratorError(error) ? error : undefined;
  // A statement failure's fields say where; its message is the database's own words.
  const located = e?.code === 'STATEMENT_FAILED' && e.cause instanceof StatementError;
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

function failure(plane: string, migration: Migration, variant: SqlVariant, error: unknown): MigratorError {
  const file = migration.scripts[variant].file;
  const base = { plane, version: migration.version, name: migration.name, file, cause: error };
  if (isMigratorError(error)) {
    // A dialect's own refusal (a foreign-key check) learns which migration it was about.
    return error.version === undefined ? new MigratorError(error.code, error.message, { ...base, ...(error.sqlstate ? { sqlstate: error.sqlstate } : {}), cause: error.cause ?? error }) : error;
  }
  if (!(error instanceof StatementError)) {
    return new MigratorError('DATABASE_ERROR', `Migration ${migration.version} (${migration.name}) failed: ${messageOf(error)}`, base);
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

/** A failure at a statement of a migration that is not the database's (transaction control, for one). */
function statementRefusal(code: 'TRANSACTION_CONTROL', plane: string, migration: Migration, variant: SqlVariant, statement: Statement, message: string): MigratorError {
  const file = migration.scripts[variant].file;
  return new MigratorError(code, `Migration ${migration.version} (${migration.name}), statement ${statement.index} (${file}, line ${statement.line}): ${message}`, {
    plane,
    version: migration.version,
    name: migration.name,
    file,
    statement: statement.index,
    line: statement.line,
    column: statement.column,
  });
}

const firstLine = (statement: Statement) => statement.text.split('\n', 1)[0]!.trim();

/**
 * The statements the engine runs for a migration. In a transaction, transaction control would commit
 * half a migration behind the engine's back: it is refused before anything runs. The one exception is
 * a file wrapped whole in a plain BEGIN … COMMIT (Prisma's shape): the engine's own transaction gives
 * exactly the atomicity the wrapper asks for, with the history row inside it, so the two wrapper
 * statements are dropped and the rest runs unchanged.
 */
function statementsToRun(plane: string, migration: Migration, session: Session, statements: readonly Statement[], inTransaction: boolean): readonly Statement[] {
  const control = statements.filter((s) => s.transactionControl);
  if (control.length === 0 || !inTransaction) return statements;
  const first = statements[0]!;
  const last = statements.at(-1)!;
  const wrapped = first.transactionControl === 'begin' && last.transactionControl === 'commit';
  if (wrapped && control.length === 2) return statements.slice(1, -1);
  const offending = control.find((s) => !(wrapped && (s === first || s === last)))!;
  const way = session.canRunOutsideTransaction
    ? 'Remove BEGIN, COMMIT, ROLLBACK, SAVEPOINT and RELEASE from it (the engine already runs each migration in a transaction, together with its schema_migrations row), or make its first line "-- atlas:no-transaction" to manage transactions yourself.'
    : 'Remove BEGIN, COMMIT, ROLLBACK, SAVEPOINT and RELEASE from it: on SQLite the engine runs every migration in its own transaction, together with its schema_migrations row.';
  throw statementRefusal('TRANSACTION_CONTROL', plane, migration, session.sqlVariant, offending, `"${firstLine(offending)}" controls the transaction, and this migration runs inside the engine's transaction. Nothing of it was run. ${way}`);
}

/** What a migration's failure left behind, tracked while it runs. */
class MigrationProgress {
  /** Statements known to be committed (a no-transaction migration, or one that ended its transaction). */
  committed: number[] = [];
  executed: number[] = [];
  started = false;

  outcome(inTransaction: boolean, error: unknown): FailedMigration {
    const committedStatements = [...this.committed];
    if (error instanceof CommitUnknownError || (isMigratorError(error) && error.cause instanceof CommitUnknownError)) {
      return { transactional: inTransaction, outcome: 'unknown', committedStatements };
    }
    if (!this.started) return { transactional: inTransaction, outcome: 'not-run', committedStatements };
    return { transactional: inTransaction, outcome: committedStatements.length > 0 ? 'partly-committed' : 'rolled-back', committedStatements };
  }
}

/** A failure of one migration, with what it left committed. */
class MigrationFailure extends Error {
  constructor(
    readonly error: MigratorError,
    readonly migration: FailedMigration,
  ) {
    super(error.message, { cause: error });
  }
}

type Refuse = (statement: Statement, message: string) => MigratorError;

/** Runs a migration's statements, noting after each what the database says is committed. */
async function runStatements(session: Session, statements: readonly Statement[], inTransaction: boolean, progress: MigrationProgress, refuse: Refuse) {
  const skippedStatements: number[] = [];
  const alreadyPresent: PresentObject[] = [];
  for (const statement of statements) {
    const result = await session.execute(statement, inTransaction);
    progress.executed.push(statement.index);
    if (!session.transactionOpen()) {
      // Outside a transaction block, everything executed so far is committed.
      progress.committed = [...progress.executed];
      if (inTransaction) throw refuse(statement, "it ended the migration's transaction, committing what ran before it.");
    }
    if (result.alreadyExisted) skippedStatements.push(statement.index);
    for (const message of result.present) alreadyPresent.push({ statement: statement.index, line: statement.line, message, skipped: result.alreadyExisted });
  }
  if (!inTransaction && session.transactionOpen()) {
    const opened = statements.find((s) => s.transactionControl && !progress.committed.includes(s.index)) ?? statements.at(-1)!;
    throw refuse(opened, 'the migration ends with a transaction still open (a BEGIN without COMMIT); that transaction was rolled back.');
  }
  return { skippedStatements, alreadyPresent };
}

/** The history write failed: say so, not "at parsing". */
function recordFailure(plane: string, migration: Migration, file: string, error: unknown): MigratorError {
  const code = (error as { code?: unknown }).code;
  return new MigratorError('DATABASE_ERROR', `Recording migration ${migration.version} (${migration.name}) in schema_migrations failed: ${messageOf(error)}`, {
    plane,
    version: migration.version,
    name: migration.name,
    file,
    ...(typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? { sqlstate: code } : {}),
    cause: error,
  });
}

/**
 * Runs one migration and records it. In a transaction, the statements and the history row commit
 * together; without one, the row is written only after the last statement succeeded. The database's
 * own transaction state is checked after every statement, so the report says what really committed.
 */
async function applyMigration(session: Session, plane: string, migration: Migration, statements: readonly Statement[]): Promise<AppliedMigration> {
  const script = migration.scripts[session.sqlVariant];
  const inTransaction = script.transactional || !session.canRunOutsideTransaction;
  const progress = new MigrationProgress();
  const refuse: Refuse = (statement, message) => statementRefusal('TRANSACTION_CONTROL', plane, migration, session.sqlVariant, statement, message);
  const body = async (): Promise<AppliedMigration> => {
    progress.started = true;
    const started = performance.now();
    const { skippedStatements, alreadyPresent } = await runStatements(session, statements, inTransaction, progress, refuse);
    const outcome = statements.length > 0 && skippedStatements.length === statements.length ? 'skipped' : 'applied';
    const durationMs = Math.round(performance.now() - started);
    // Before the history write, inside the migration's transaction: a migration's SET ROLE or
    // search_path must not write the history, and the reset commits with it.
    await session.resetState();
    const row = { version: migration.version, name: migration.name, checksum: script.checksum, checksumAlgorithm: CHECKSUM_ALGORITHM, executionMs: durationMs, outcome } as const;
    await session.record(row).catch((error: unknown) => {
      throw recordFailure(plane, migration, script.file, error);
    });
    return { version: migration.version, name: migration.name, outcome, durationMs, skippedStatements, alreadyPresent };
  };
  try {
    return inTransaction ? await session.transaction(body) : await body();
  } catch (error) {
    // A no-transaction migration's own BEGIN may still be open: roll it back, it never committed.
    if (!inTransaction) await session.rollbackOpenTransaction().catch(() => undefined);
    // Settings, role and temporary objects of a failed migration do not reach anything after it either.
    if (progress.started) await session.resetState().catch(() => undefined);
    throw new MigrationFailure(failure(plane, migration, session.sqlVariant, error), progress.outcome(inTransaction, error));
  }
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
      await session.withLock(`atlas-migrations:${plane}`, lockTimeoutMs, () => migrateUnderLock(session, options, report));
    }
  } catch (error) {
    report.error = error instanceof MigrationFailure ? toPlaneError(error.error, error.migration) : toPlaneError(error);
    logger.error('migration run failed', { plane, code: report.error.code, error: report.error.message });
  } finally {
    await session.close().catch((error: unknown) => logger.warn('closing the connection failed', { plane, error: messageOf(error) }));
  }
  return report.build();
}
