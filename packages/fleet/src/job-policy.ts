import type { Queryable } from './control-db.js';
import type { FleetOptions, JobPolicy } from './types.js';

/**
 * A run's job policy: fixed when the run is created, from the creating process's settings, and stored on
 * the run (`fleet.runs.job_policy`). Every job of the run is sent with it, by whichever process sends it,
 * and every replica works the run's tenants with its deadline and attempts, so replicas opened with other
 * settings never change how a run retries, expires or is taken over.
 */
export function jobPolicyFrom(options: Partial<FleetOptions>): JobPolicy {
  const tenantDeadlineMs = options.tenantDeadlineMs ?? 600_000;
  const attempts = options.attempts ?? 3;
  return {
    tenantDeadlineMs,
    attempts,
    // A job outlives its tenant's deadline, so that only a dead replica's job ever expires.
    expireInSeconds: options.expireInSeconds ?? Math.ceil(tenantDeadlineMs / 1000) + 60,
    // The handler classifies errors and fails a job only for a transient one; the two spare retries cover
    // expiries (a dead replica), which pg-boss counts as retries too.
    retryLimit: attempts + 1,
    retryDelaySeconds: options.retryDelaySeconds ?? 5,
    retryBackoff: true,
    maintenanceIntervalSeconds: options.maintenanceIntervalSeconds ?? 120,
  };
}

/** pg-boss's options for one job of a run with this policy: nothing is left to the queue's defaults. */
export function jobSendOptions(policy: JobPolicy): { retryLimit: number; retryDelay: number; retryBackoff: boolean; expireInSeconds: number } {
  return { retryLimit: policy.retryLimit, retryDelay: policy.retryDelaySeconds, retryBackoff: policy.retryBackoff, expireInSeconds: policy.expireInSeconds };
}

/**
 * The longest a dead replica's tenant waits before another replica starts it again, counted from the lost
 * attempt's start: the job's expiry; then up to two expiry checks (a live replica checks every
 * `maintenanceIntervalSeconds` of the run, and the check that sees the job expired may be the one after the
 * check that ran just before the expiry); the first retry's delay (`retryDelaySeconds × (1 to 2)` with
 * backoff); and an idle replica's one-second poll.
 */
export function takeoverBoundSeconds(policy: JobPolicy): number {
  return policy.expireInSeconds + 2 * policy.maintenanceIntervalSeconds + 2 * policy.retryDelaySeconds + 1;
}

/** A stored policy, or `fallback` for a run created before runs carried one. */
export function parseJobPolicy(stored: unknown, fallback: JobPolicy): JobPolicy {
  if (stored === null || typeof stored !== 'object') return fallback;
  return { ...fallback, ...(stored as Partial<JobPolicy>) };
}

/** The stored policies of these runs (a missing or older run gets `fallback`). */
export async function jobPolicies(db: Queryable, runIds: readonly string[], fallback: JobPolicy): Promise<Map<string, JobPolicy>> {
  const { rows } = await db.query<{ id: string; job_policy: unknown }>('SELECT id, job_policy FROM fleet.runs WHERE id = ANY ($1)', [[...new Set(runIds)]]);
  const policies = new Map(rows.map((r) => [r.id, parseJobPolicy(r.job_policy, fallback)]));
  for (const id of runIds) if (!policies.has(id)) policies.set(id, fallback);
  return policies;
}
