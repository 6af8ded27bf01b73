import type { FleetOptions } from './types.js';

/**
 * The fleet's settings as environment variables, one name per option, for every process that works runs
 * (the CLI, Control Plane replicas): seconds in the environment, milliseconds in the options.
 */
export const FLEET_SETTINGS = {
  FLEET_MAX_PER_HOST: { option: 'maxPerHost', scale: 1, min: 1 },
  FLEET_MAX_PER_REPLICA: { option: 'maxPerReplica', scale: 1, min: 1 },
  FLEET_TENANT_DEADLINE_SECONDS: { option: 'tenantDeadlineMs', scale: 1000, min: 1 },
  FLEET_ATTEMPTS: { option: 'attempts', scale: 1, min: 1 },
  FLEET_JOB_EXPIRE_SECONDS: { option: 'expireInSeconds', scale: 1, min: 1 },
  FLEET_MAINTENANCE_INTERVAL_SECONDS: { option: 'maintenanceIntervalSeconds', scale: 1, min: 1 },
  FLEET_RETRY_DELAY_SECONDS: { option: 'retryDelaySeconds', scale: 1, min: 0 },
} as const satisfies Record<string, { option: keyof FleetOptions; scale: number; min: number }>;

/**
 * The settings that are set, as fleet options, plus `FLEET_REPLICA_ID`. A value that is not a whole number
 * (at least 1; 0 allowed for the retry delay) is a problem, never a silent default.
 */
export function fleetSettingsFromEnv(env: Readonly<Record<string, string | undefined>>): { options: Partial<FleetOptions>; problems: string[] } {
  const options: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const [name, { option, scale, min }] of Object.entries(FLEET_SETTINGS)) {
    const given = env[name]?.trim();
    if (!given) continue;
    if (!/^\d{1,7}$/.test(given) || Number(given) < min) problems.push(`${name} must be a whole number of at least ${min}, got "${given}"`);
    else options[option] = Number(given) * scale;
  }
  const replicaId = env.FLEET_REPLICA_ID?.trim();
  if (replicaId) {
    if (!/^[a-z0-9-]{1,24}$/.test(replicaId)) problems.push(`FLEET_REPLICA_ID must be 1 to 24 lower-case letters, digits or dashes, got "${replicaId}"`);
    else options.replicaId = replicaId;
  }
  return { options: options as Partial<FleetOptions>, problems };
}
