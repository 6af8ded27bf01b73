import type { ServiceContext } from '../context.js';
import { NoQuery, type ServiceApp } from '../request-shape.js';

/**
 * The load balancer's check. The history as read through the service's own pool (one SELECT, no lock, no
 * new connection; one read shared by concurrent polls and kept for a second): 200 when nothing is
 * pending, 503 `schema_behind` while something is, 503 `database_unreachable` when it cannot be read.
 * Versions newer than this release are healthy: migrations are forward-only.
 */
export function healthRoute<DB>(app: ServiceApp, context: ServiceContext<DB>): void {
  const plane = context.config.plane;
  // Polled every few seconds: log only what goes wrong.
  app.get('/api/health', { logLevel: 'warn', schema: { querystring: NoQuery } }, async (request, reply) => {
    const { state, status } = await context.migrationState.read();
    if (state === null) {
      request.log.warn({ plane, error: status.error }, 'health: schema_migrations cannot be read');
      return reply.code(503).send({ status: 'database_unreachable', plane, schema: null });
    }
    const { latestApplied, pending, unknownApplied } = state;
    const behind = pending.length > 0;
    return reply.code(behind ? 503 : 200).send({ status: behind ? 'schema_behind' : 'ok', plane, schema: { latestApplied, pending, unknownApplied } });
  });
}
