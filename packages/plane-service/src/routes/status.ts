import type { FastifyInstance } from 'fastify';
import type { ServiceContext } from '../context.js';
import { requireServiceSecret } from '../secret.js';

/** Every migration's state (`applied`, `pending`, `changed`, `unknown`), the document of `migrate:status --json`. */
export function statusRoute<DB>(app: FastifyInstance, context: ServiceContext<DB>): void {
  app.get('/api/db/status', { onRequest: requireServiceSecret(context.config.internalServiceSecret) }, async (_request, reply) => {
    const { status } = await context.schema.read();
    const ok = status.ok && status.entries.every((e) => e.state !== 'changed');
    return reply.code(status.ok ? 200 : 503).send({ ok, planes: [status] });
  });
}
