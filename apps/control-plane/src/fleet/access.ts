import { fleetSettingsFromEnv, isFleetError, openFleet, type Fleet, type FleetErrorCode } from '@atlasai/fleet';
import { redactUrl } from '@atlasai/migrator-core';
import { engineLogger, type ServiceConfig } from '@atlasai/plane-service';
import type { FastifyBaseLogger, FastifyReply } from 'fastify';

/** What this replica can do with the fleet: nothing on SQLite, nothing if it failed to open, else everything. */
export type FleetAccess =
  | { readonly kind: 'sqlite' }
  | { readonly kind: 'unavailable'; readonly reason: string }
  | { readonly kind: 'open'; readonly fleet: Fleet };

export const REQUIRES_POSTGRES =
  'fleet runs need the Control Plane on PostgreSQL (CONTROL_PLANE_DATABASE_URL); this one runs on SQLite, where everything else keeps working';

/**
 * Opens the fleet on the Control Plane's migration URL (a direct or session connection: pg-boss and the
 * fleet's own schema need session state a transaction pooler does not keep). On SQLite nothing is opened. A
 * fleet that fails to open (or whose settings are invalid) is logged and its routes answer 503, while the
 * rest of the Control Plane serves: billing and signups must not go down with the fleet's queue.
 */
export async function openFleetAccess(config: ServiceConfig, env: Readonly<Record<string, string | undefined>>, log: FastifyBaseLogger): Promise<FleetAccess> {
  if (config.migrationDatabase.kind !== 'postgres') return { kind: 'sqlite' };
  // The same settings, by the same names, as the CLI (`npm run migrate:fleet`): one list, in the fleet package.
  const { options, problems } = fleetSettingsFromEnv(env);
  try {
    if (problems.length > 0) throw new Error(problems.join('; '));
    const fleet = await openFleet({ ...options, controlUrl: config.migrationDatabase.url, logger: engineLogger(log) });
    return { kind: 'open', fleet };
  } catch (error) {
    const reason = redactUrl(error instanceof Error ? error.message : String(error));
    log.error(
      { error: reason, code: isFleetError(error) ? error.code : undefined },
      'fleet did not open: its routes answer 503 on this replica, the rest of the Control Plane serves',
    );
    return { kind: 'unavailable', reason };
  }
}

/** The HTTP status of each fleet error code. */
export const FLEET_HTTP_STATUS: Readonly<Record<FleetErrorCode, number>> = {
  FLEET_REQUIRES_POSTGRES: 409,
  FLEET_RUN_NOT_FOUND: 404,
  FLEET_INVALID_SPEC: 400,
  FLEET_INVALID_TRANSITION: 409,
  FLEET_CLOSED: 503,
  FLEET_SETUP_FAILED: 500,
};

export interface FleetRefusal {
  readonly status: number;
  readonly body: { readonly error: string; readonly code: string };
}

/** Why a request cannot use the fleet here, or null when it can. */
export function refusalOf(access: FleetAccess): FleetRefusal | null {
  if (access.kind === 'sqlite') return { status: 409, body: { error: REQUIRES_POSTGRES, code: 'FLEET_REQUIRES_POSTGRES' } };
  if (access.kind === 'unavailable')
    return { status: 503, body: { error: `the fleet did not open on this replica: ${access.reason}`, code: 'FLEET_UNAVAILABLE' } };
  return null;
}

/** A fleet error as an answer; anything else is rethrown for the app's error handler (500, details logged only). */
export function refusalOfError(error: unknown): FleetRefusal {
  if (!isFleetError(error)) throw error;
  return { status: FLEET_HTTP_STATUS[error.code] ?? 500, body: { error: redactUrl(error.message), code: error.code } };
}

/** Runs `work` against the open fleet and sends its result with `status`, or the refusal. */
export async function answer<T>(access: FleetAccess, reply: FastifyReply, work: (fleet: Fleet) => Promise<T>, status = 200): Promise<FastifyReply> {
  const refused = refusalOf(access);
  if (refused) return reply.code(refused.status).send(refused.body);
  let result: T;
  try {
    result = await work((access as Extract<FleetAccess, { kind: 'open' }>).fleet);
  } catch (error) {
    const refusal = refusalOfError(error);
    return reply.code(refusal.status).send(refusal.body);
  }
  return reply.code(status).send(result);
}
