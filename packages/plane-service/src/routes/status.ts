import { inspectMigrations, statusDocument } from '@atlasai/migrator-core';
import type { ServiceContext } from '../context.js';
import { NoQuery, type ServiceApp } from '../request-shape.js';
import { requireServiceSecret } from '../secret.js';

/**
 * Every migration's state (`applied`, `baselined`, `pending`, `changed`, `unverified`, `unknown`) and the schema's
 * drift from the registry's snapshot: the document of `migrate:status --json`. Read-only and without a
 * lock, but it reads the catalog, so it is not the health check (which stays about pending migrations).
 */
export function statusRoute<DB>(app: ServiceApp, context: ServiceContext<DB>): void {
  app.get(
    '/api/db/status',
    { onRequest: requireServiceSecret(context.config.internalServiceSecret), schema: { querystring: NoQuery } },
    async (_request, reply) => {
      const status = await inspectMigrations({ registry: context.registry, dialect: context.database.migrationDialect, drift: true });
      return reply.code(status.ok ? 200 : 503).send(statusDocument([status]));
    },
  );
}
