import type { Session } from '../dialect.js';
import { messageOf } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Registry } from '../registry.js';
import { compareSchema, type DriftFinding } from './compare-schema.js';

/** What a run found when it compared the objects of the versions it applied with the registry's snapshot. */
export interface DriftReport {
  /** The versions whose objects were checked: those the run applied or marked skipped. */
  readonly versions: readonly number[];
  /** Missing or different objects of those versions (never `extra`: a run checks only its own). */
  readonly findings: readonly DriftFinding[];
  /** Set when the catalog could not be read; the run itself is not failed by it. */
  readonly error: string | null;
}

/**
 * After a run: the objects the versions it just applied created or changed, compared with the
 * registry's snapshot for this dialect, in the state the applied versions leave them. Never throws and
 * never fails the run (a hand-made column of another type must not stop a boot): the report carries
 * it. Null when the registry has no snapshot for this dialect or nothing was applied.
 */
export async function checkDriftAfterRun(
  session: Session,
  registry: Registry,
  applied: { readonly all: readonly number[]; readonly now: readonly number[] },
  logger: Logger,
): Promise<DriftReport | null> {
  const snapshot = registry.snapshots?.[session.sqlVariant];
  if (!snapshot || applied.now.length === 0) return null;
  const versions = [...applied.now];
  try {
    const findings = compareSchema(snapshot, await session.readSchema(), { applied: new Set(applied.all), only: new Set(versions) });
    if (findings.length > 0) logger.info('the schema differs from the registry snapshot', { plane: registry.plane, findings: findings.length });
    return { versions, findings, error: null };
  } catch (error) {
    logger.warn('could not check the schema against the registry snapshot', { plane: registry.plane, error: messageOf(error) });
    return { versions, findings: [], error: messageOf(error) };
  }
}
