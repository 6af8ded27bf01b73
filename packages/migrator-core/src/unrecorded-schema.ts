import type { Session } from './dialect.js';
import { MigratorError } from './errors.js';
import type { Logger } from './logger.js';
import type { Registry } from './registry.js';

/**
 * A database without a history whose schema already holds objects of its own was made by other means
 * (psql, another tool, a restore). Running the migrations from the first would re-create what is there,
 * committing whatever does not collide before something does: the run is refused (Flyway's rule), and
 * `baseline` records what the schema already is. A registry whose every migration is idempotent
 * (`Registry.idempotent`) may run over such a schema: its statements skip what exists.
 */

/** How many of the objects a message names. */
const SHOWN = 5;

/** The objects that make a database without a history "populated", or [] when there is nothing to say. */
export async function unrecordedObjects(session: Session, registry: Registry, logger: Logger): Promise<readonly string[]> {
  const objects = session.ownObjects ? await session.ownObjects() : [];
  if (objects.length === 0) return [];
  if (registry.idempotent) {
    logger.info('no schema_migrations, but the schema holds objects; the registry declares every migration idempotent, so it runs over them', {
      plane: registry.plane,
      objects: objects.length,
    });
    return [];
  }
  return objects;
}

/** The objects, as a message names them. */
export function describeObjects(objects: readonly string[]): string {
  const more = objects.length > SHOWN ? `, and ${objects.length - SHOWN} more` : '';
  return `${objects.slice(0, SHOWN).join(', ')}${more}`;
}

export const BASELINE_HINT =
  'If the schema is what the migrations up to some version make, record them as applied without running them: atlas-migrate baseline --to <version>; ' +
  'then run up again. To start over, use an empty database or schema.';

/** The refusal of `up` on such a database. */
export function unrecordedSchemaError(registry: Registry, objects: readonly string[]): MigratorError {
  const first = registry.migrations[0];
  return new MigratorError(
    'HISTORY_MISSING',
    `The database has no schema_migrations, but its schema already holds ${objects.length} object(s) of its own (${describeObjects(objects)}): ` +
      `running the ${registry.plane} migrations${first ? ` from ${first.version}` : ''} would re-create what is there. Nothing was run.`,
    { plane: registry.plane, hint: BASELINE_HINT },
  );
}
