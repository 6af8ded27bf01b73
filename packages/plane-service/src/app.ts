import type { Registry } from '@atlasai/migrator-core';
import type { FastifyError } from 'fastify';
import type { ServiceConfig } from './config.js';
import type { ServiceContext } from './context.js';
import type { ServiceDatabase } from './database.js';
import { createServiceLogger, type PinoLogger } from './logger.js';
import { createStrictFastify, InvalidRequestError, type ServiceApp } from './request-shape.js';
import { healthRoute } from './routes/health.js';
import { migrateRoute } from './routes/migrate.js';
import { statusRoute } from './routes/status.js';
import { MigrationStateMonitor } from './schema-state.js';

/** What a service app is built from; it opens and listens on nothing itself. */
export interface ServiceDeps<DB> {
  readonly config: ServiceConfig;
  readonly database: ServiceDatabase<DB>;
  /** The process's logger (boot shares it); silent when omitted. */
  readonly logger?: PinoLogger;
}

/** The routes a plane adds beside the shared ones. */
export type FeatureRoutes<DB> = (app: ServiceApp, context: ServiceContext<DB>) => void;

/**
 * The Fastify app of one plane: health, status and migrate, then the plane's own routes. A request with
 * a parameter or body its route does not read, or one that fails validation, answers 400 and runs
 * nothing; any other unexpected error a generic 500 (the details go to the log only).
 */
export function createServiceApp<DB>(deps: ServiceDeps<DB>, registry: Registry, features: FeatureRoutes<DB>): ServiceApp {
  const context: ServiceContext<DB> = {
    config: deps.config,
    registry,
    database: deps.database,
    migrationState: new MigrationStateMonitor(registry, {
      kind: deps.database.kind,
      target: deps.config.database.redacted,
      readHistory: () => deps.database.readHistory(),
    }),
  };
  const app = createStrictFastify(deps.logger ?? createServiceLogger('silent'));
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error.validation || error instanceof InvalidRequestError) return reply.code(400).send({ error: 'invalid request', message: error.message });
    if (error.statusCode !== undefined && error.statusCode < 500) return reply.code(error.statusCode).send({ error: error.message });
    request.log.error({ err: error }, 'request failed');
    return reply.code(500).send({ error: 'internal error' });
  });
  // Node keeps a connection alive after a response that was in flight when close() began, and the server
  // then waits out the keep-alive timeout: tell those clients to hang up once they have their answer.
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onSend', async (_request, reply) => {
    if (closing) reply.header('connection', 'close');
  });
  healthRoute(app, context);
  statusRoute(app, context);
  migrateRoute(app, context);
  features(app, context);
  return app;
}
