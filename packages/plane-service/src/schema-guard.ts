import type { FastifyReply, FastifyRequest } from 'fastify';
import type { MigrationStateMonitor } from './schema-state.js';

/**
 * A preHandler for a route that needs `version` applied: it answers 503 `{ error: "schema behind",
 * requires }` from the recorded versions, before any query could fail on a missing column.
 */
export function requireMigration(migrationState: MigrationStateMonitor, version: number) {
  return async function checkSchema(_request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const { state } = await migrationState.recent();
    if (state === null) {
      await reply.code(503).send({ error: 'database unreachable' });
      return;
    }
    if (!state.applied.has(version)) await reply.code(503).send({ error: 'schema behind', requires: version });
  };
}
