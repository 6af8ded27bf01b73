import { MigrationFailure } from './apply-migration.js';
import { StatementError, type NamedObject, type Session, type Statement } from './dialect.js';
import { MigratorError, messageOf } from './errors.js';
import type { Logger } from './logger.js';
import type { Registry } from './registry.js';
import { verifyCommand } from './repair-hint.js';
import { snapshotStaleness } from './schema/snapshot-source.js';

/**
 * A migration that fails because an object is already there (its name taken, a unique index refusing
 * its rows) is usually meeting something made by hand or by another tool. Where the registry has a
 * schema snapshot, the failure says so, naming the object; only when every sign agrees: the dialect read
 * the object's name from the database's own error and found it in the catalog, the catalog's schema
 * lists it as the snapshot would, the snapshot is current and lacks it, and no applied migration's SQL
 * so much as mentions its name (a migration may have made an object a later one dropped).
 */

const IDENTIFIER = /[A-Za-z0-9_$]/;

function mentions(sql: string, name: string): boolean {
  const lower = sql.toLowerCase();
  const word = name.toLowerCase();
  for (let at = lower.indexOf(word); at !== -1; at = lower.indexOf(word, at + 1)) {
    if (!IDENTIFIER.test(lower[at - 1] ?? ' ') && !IDENTIFIER.test(lower[at + word.length] ?? ' ')) return true;
  }
  return false;
}

/** The object's own name: `users_email_idx` of `index users.users_email_idx`. */
const ownName = (object: NamedObject) =>
  object.kind === 'table' || object.kind === 'view' || object.kind === 'type' || object.kind === 'sequence'
    ? object.name
    : object.name.slice(object.name.indexOf('.') + 1);

/** The hint that names the object, followed by the database's own hint when it gave one. */
export function unmadeObjectHint(object: NamedObject, version: number, verify: string, databaseHint: string | undefined): string {
  const ours =
    `${object.kind} ${object.name} is in the database but not in the registry's schema snapshot: no migration made it (it was made by hand ` +
    `or by another tool). Drop or rename it if nothing needs it, or rename what migration ${version} creates; to keep it, add it to a migration (IF ` +
    `NOT EXISTS) and regenerate the snapshot. ${verify} shows every difference between the database and the snapshot.`;
  return databaseHint ? `${ours} ${databaseHint}` : ours;
}

export interface FailureScene {
  readonly session: Session;
  readonly registry: Registry;
  /** The redacted target, for the verify command the hint names. */
  readonly target: string;
  /** The versions recorded before the failure. */
  readonly applied: readonly number[];
  /** The failed migration's statements as they ran. */
  readonly statements: readonly Statement[] | undefined;
  readonly logger: Logger;
}

/** The object a failure ran into, when it is one no migration made; null when that cannot be said for sure. */
async function unmadeObject(scene: FailureScene, cause: StatementError): Promise<NamedObject | null> {
  const { session, registry } = scene;
  const snapshot = registry.snapshots?.[session.sqlVariant];
  if (!snapshot || !session.collidingObject || snapshotStaleness(registry, snapshot, session.sqlVariant) !== null) return null;
  const statement = scene.statements?.find((s) => s.index === cause.statementIndex);
  const object = await session.collidingObject(cause, statement);
  if (!object) return null;
  const same = (o: NamedObject) => o.kind === object.kind && o.name === object.name;
  if (snapshot.objects.some(same)) return null;
  // Only what the snapshot would list if a migration had made it (not an extension's, not the engine's).
  if (!(await session.readSchema()).some(same)) return null;
  const applied = new Set(scene.applied);
  const name = ownName(object);
  if (registry.migrations.some((m) => applied.has(m.version) && mentions(m.scripts[session.sqlVariant].sql, name))) return null;
  return object;
}

/**
 * The failure, naming the object it ran into when no migration made that object; otherwise unchanged.
 * Called under the lock, so the schema is read as the failure left it.
 */
export async function explainUnmadeObject(scene: FailureScene, failed: unknown): Promise<unknown> {
  if (!(failed instanceof MigrationFailure) || failed.error.code !== 'STATEMENT_FAILED' || failed.migration.outcome === 'unknown') return failed;
  const { error } = failed;
  if (!(error.cause instanceof StatementError) || error.version === undefined) return failed;
  let object: NamedObject | null;
  try {
    object = await unmadeObject(scene, error.cause);
  } catch (lookup) {
    // The failure is the news; a catalog that cannot be read now only means nothing more is said.
    scene.logger.info('could not tell which object a failed migration ran into', { plane: scene.registry.plane, error: messageOf(lookup) });
    return failed;
  }
  if (!object) return failed;
  const hint = unmadeObjectHint(object, error.version, verifyCommand(scene.registry, scene.target), error.hint);
  const context = {
    plane: error.plane,
    version: error.version,
    name: error.migrationName,
    file: error.file,
    statement: error.statement,
    line: error.line,
    column: error.column,
    sqlstate: error.sqlstate,
    dbCode: error.dbCode,
    detail: error.detail,
  };
  const defined = Object.fromEntries(Object.entries(context).filter(([, v]) => v !== undefined));
  return new MigrationFailure(
    new MigratorError(error.code, error.message, { ...defined, hint, unrecordedObject: object, cause: error.cause }),
    failed.migration,
  );
}
