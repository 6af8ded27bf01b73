import { CommitUnknownError, StatementError, type Session, type Statement } from './dialect.js';
import { MigratorError, isMigratorError, messageOf } from './errors.js';
import { CHECKSUM_ALGORITHM, type Migration, type SqlVariant } from './migration.js';
import type { AppliedMigration, FailedMigration, PresentObject } from './report.js';
import { statementsChecksumOf } from './dialects/statements-checksum.js';

/**
 * Applying one migration: which of its statements run (transaction control refused), running them while
 * watching the database's own transaction state, recording it, and saying what a failure left behind.
 */

/** Any failure of a migration, as a MigratorError carrying the migration, its file and, for a statement, where. */
export function failure(plane: string, migration: Migration, variant: SqlVariant, error: unknown): MigratorError {
  const file = migration.scripts[variant].file;
  const base = { plane, version: migration.version, name: migration.name, file, cause: error };
  if (isMigratorError(error)) {
    // A dialect's own refusal (a foreign-key check) learns which migration it was about.
    if (error.version !== undefined) return error;
    const { statement, line, column, sqlstate, detail, hint } = error;
    const located = Object.fromEntries(Object.entries({ statement, line, column, sqlstate, detail, hint }).filter(([, v]) => v !== undefined));
    return new MigratorError(error.code, error.message, { ...base, ...located, cause: error.cause ?? error });
  }
  if (!(error instanceof StatementError)) {
    return new MigratorError('DATABASE_ERROR', `Migration ${migration.version} (${migration.name}) failed: ${messageOf(error)}`, base);
  }
  const code = error.sqlstate ? `SQLSTATE ${error.sqlstate}` : (error.dbCode ?? 'error');
  return new MigratorError(
    // 42501: the message says which privilege is missing, the hint the GRANTs that give it.
    error.sqlstate === '42501' ? 'PERMISSION_DENIED' : 'STATEMENT_FAILED',
    `Migration ${migration.version} (${migration.name}) failed at ${error.statementIndex === null ? 'parsing' : `statement ${error.statementIndex}`} (` +
      `${file}, line ${error.line}, column ${error.column}): ${code}: ${error.message}`,
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
function statementRefusal(
  code: 'TRANSACTION_CONTROL',
  plane: string,
  migration: Migration,
  variant: SqlVariant,
  statement: Statement,
  message: string,
): MigratorError {
  const file = migration.scripts[variant].file;
  return new MigratorError(
    code,
    `Migration ${migration.version} (${migration.name}), statement ${statement.index} (${file}, line ${statement.line}): ${message}`,
    {
      plane,
      version: migration.version,
      name: migration.name,
      file,
      statement: statement.index,
      line: statement.line,
      column: statement.column,
    },
  );
}

const firstLine = (statement: Statement) => statement.text.split('\n', 1)[0]!.trim();

/**
 * The statements the engine runs for a migration. In a transaction, transaction control would commit
 * half a migration behind the engine's back: it is refused before anything runs. The one exception is
 * a file wrapped whole in a plain BEGIN … COMMIT (Prisma's shape, and SQLite's documented table-rebuild
 * procedure, which puts `PRAGMA foreign_keys` outside the wrapper): the engine's own transaction gives
 * exactly the atomicity the wrapper asks for, with the history row inside it, so the two wrapper
 * statements are dropped and the rest runs unchanged. Only session settings may stand outside the
 * wrapper: running them inside the engine's transaction changes nothing they do.
 */
export function statementsToRun(
  plane: string,
  migration: Migration,
  session: Session,
  statements: readonly Statement[],
  inTransaction: boolean,
): readonly Statement[] {
  const control = statements.filter((s) => s.transactionControl);
  if (control.length === 0 || !inTransaction) return statements;
  const [begin, commit] = control;
  const wrapped =
    control.length === 2 &&
    begin!.transactionControl === 'begin' &&
    commit!.transactionControl === 'commit' &&
    statements.every((s) => s === begin || s === commit || s.sessionSetting || (s.index > begin!.index && s.index < commit!.index));
  if (wrapped) return statements.filter((s) => s !== begin && s !== commit);
  const offending =
    control.find((s) => s.transactionControl === 'other') ??
    (begin!.transactionControl === 'begin' && commit?.transactionControl === 'commit' ? begin! : control[0]!);
  const way = session.canRunOutsideTransaction
    ? 'Remove BEGIN, COMMIT, ROLLBACK, SAVEPOINT and RELEASE from it (the engine already runs each migration in a transaction, together with its ' +
      'schema_migrations row), or make its first line "-- atlas:no-transaction" to manage transactions yourself.'
    : 'Remove BEGIN, COMMIT, ROLLBACK, SAVEPOINT and RELEASE from it: on SQLite the engine runs every migration in its own transaction, together with ' +
      'its schema_migrations row.';
  throw statementRefusal(
    'TRANSACTION_CONTROL',
    plane,
    migration,
    session.sqlVariant,
    offending,
    `"${firstLine(offending)}" controls the transaction, and this migration runs inside the engine's transaction. Nothing of it was run. ${way}`,
  );
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
export class MigrationFailure extends Error {
  constructor(
    readonly error: MigratorError,
    readonly migration: FailedMigration,
  ) {
    super(error.message, { cause: error });
  }
}

type Refuse = (statement: Statement, message: string) => MigratorError;

/** Says, every `everyMs` while one statement runs, that it still does. */
export interface Heartbeat {
  readonly everyMs: number;
  beat(statement: Statement, elapsedMs: number): void;
}

async function executeWithHeartbeat(session: Session, statement: Statement, inTransaction: boolean, heartbeat: Heartbeat | undefined) {
  if (!heartbeat) return session.execute(statement, inTransaction);
  const started = performance.now();
  const timer = setInterval(() => heartbeat.beat(statement, Math.round(performance.now() - started)), heartbeat.everyMs);
  try {
    return await session.execute(statement, inTransaction);
  } finally {
    clearInterval(timer);
  }
}

/** Runs a migration's statements, noting after each what the database says is committed. */
async function runStatements(
  session: Session,
  statements: readonly Statement[],
  inTransaction: boolean,
  progress: MigrationProgress,
  refuse: Refuse,
  heartbeat: Heartbeat | undefined,
) {
  const skippedStatements: number[] = [];
  const alreadyPresent: PresentObject[] = [];
  for (const statement of statements) {
    const result = await executeWithHeartbeat(session, statement, inTransaction, heartbeat);
    progress.executed.push(statement.index);
    if (!session.transactionOpen()) {
      // Outside a transaction block, everything executed so far is committed. What is committed is always
      // a prefix of what was executed: extend it, never copy it (linear in a long no-transaction file).
      for (let k = progress.committed.length; k < progress.executed.length; k++) progress.committed.push(progress.executed[k]!);
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
  // A refusal the dialect already explained (a missing privilege, a lock it could not get) keeps its code.
  if (isMigratorError(error)) return error;
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
export async function applyMigration(
  session: Session,
  plane: string,
  migration: Migration,
  statements: readonly Statement[],
  heartbeat?: Heartbeat,
): Promise<AppliedMigration> {
  const script = migration.scripts[session.sqlVariant];
  const inTransaction = script.transactional || !session.canRunOutsideTransaction;
  const progress = new MigrationProgress();
  const refuse: Refuse = (statement, message) => statementRefusal('TRANSACTION_CONTROL', plane, migration, session.sqlVariant, statement, message);
  const body = async (): Promise<AppliedMigration> => {
    // A dialect may run this again after a lock timeout rolled the first attempt back.
    progress.started = true;
    progress.executed = [];
    progress.committed = [];
    const started = performance.now();
    const { skippedStatements, alreadyPresent } = await runStatements(session, statements, inTransaction, progress, refuse, heartbeat);
    const outcome = statements.length > 0 && skippedStatements.length === statements.length ? 'skipped' : 'applied';
    const durationMs = Math.round(performance.now() - started);
    // Before the history write, inside the migration's transaction: a migration's SET ROLE or
    // search_path must not write the history, and the reset commits with it.
    await session.resetState();
    const row = {
      version: migration.version,
      name: migration.name,
      checksum: script.checksum,
      checksumAlgorithm: CHECKSUM_ALGORITHM,
      statementsChecksum: statementsChecksumOf(script, session.sqlVariant),
      executionMs: durationMs,
      outcome,
    } as const;
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
