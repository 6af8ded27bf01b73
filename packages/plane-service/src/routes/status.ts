import { JSON_SCHEMA_VERSION, inspectMigrations } from '@atlasai/migrator-core';
import type { FastifyInstance } from 'fastify';
import type { ServiceContext } from '../context.js';
import { requireServiceSecret } from '../secret.js';

/**
 * Every migration's state (`applied`, `pending`, `changed`, `unverified`, `unknown`) and the schema's
 * drift from the registry's snapshot: the document of `migrate:status --json`. Read-only and without a
 * lock, but it reads the catalog, so it is not the health check (which stays about pending migrations).
 */
export function statusRoute<DB>(app: FastifyInstance, context: ServiceContext<DB>): void {
  app.get('/api/db/status', { onRequest: requireServiceSecret(context.config.internalServiceSecret) }, async (_request, reply) => {
    const status = await inspectMigrations({ registry: context.registry, dialect: context.database.engine, drift: true });
    const ok = status.ok && status.entries.every((e) => e.state !== 'changed');
    const upToDate = status.entries.every((e) => e.state === 'applied' || e.state === 'unknown') && (status.drift?.ok ?? true);
    return reply.code(status.ok ? 200 : 503).send({ schemaVersion: JSON_SCHEMA_VERSION, ok, upToDate, planes: [status] });
  });
}
