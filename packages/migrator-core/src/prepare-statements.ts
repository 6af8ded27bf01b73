import { MigrationFailure, failure, statementsToRun } from './apply-migration.js';
import type { Session, Statement } from './dialect.js';
import type { Migration } from './migration.js';
import type { PlannedMigration } from './report.js';

/** What a dry run found it would run. */
export function planned(session: Session, pending: readonly Migration[], prepared: Map<number, readonly Statement[]>): PlannedMigration[] {
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
 * Splits every pending migration and refuses what cannot run, before anything runs: the database checks
 * each statement's syntax (PostgreSQL's parser already did while splitting), so that a syntax error in
 * the last migration leaves the first unapplied too.
 */
export async function prepareStatements(session: Session, plane: string, pending: readonly Migration[]): Promise<Map<number, readonly Statement[]>> {
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
