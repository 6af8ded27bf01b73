import { isoTimestamp, requireMigration, requireServiceSecret, type ServiceContext } from '@atlasai/plane-service';
import type { FastifyInstance } from 'fastify';
import { INCIDENT_STATUSES, type IncidentStatus, type TenantDatabase } from '../db.js';

/** The migration that scopes incidents by tenant and status (its index serves this query). */
export const INCIDENTS_REQUIRE = 2003;

interface IncidentsQuery {
  tenantId: string;
  status?: IncidentStatus;
  limit: number;
}

/**
 * `GET /api/incidents?tenantId=…[&status=…][&limit=…]`: a tenant's incidents, newest first. Internal until
 * the Tenant Plane has user authentication: it takes the service secret.
 */
export function incidentsRoute(app: FastifyInstance, context: ServiceContext<TenantDatabase>): void {
  const { db } = context.database;
  app.get<{ Querystring: IncidentsQuery }>(
    '/api/incidents',
    {
      onRequest: requireServiceSecret(context.config.internalServiceSecret),
      preHandler: requireMigration(context.schema, INCIDENTS_REQUIRE),
      schema: {
        querystring: {
          type: 'object',
          required: ['tenantId'],
          properties: {
            tenantId: { type: 'string', format: 'uuid' },
            status: { type: 'string', enum: [...INCIDENT_STATUSES] },
            limit: { type: 'integer', minimum: 1, maximum: 500, default: 100 },
          },
        },
      },
    },
    async (request) => {
      const { tenantId, status, limit } = request.query;
      let query = db
        .selectFrom('incidents')
        .select(['id', 'tenant_id', 'number', 'title', 'status', 'severity', 'priority', 'source', 'assignee_id', 'created_at', 'resolved_at'])
        .where('tenant_id', '=', tenantId);
      if (status !== undefined) query = query.where('status', '=', status);
      const rows = await query.orderBy('created_at', 'desc').orderBy('number', 'desc').limit(limit).execute();
      return {
        incidents: rows.map((row) => ({
          id: row.id,
          tenantId: row.tenant_id,
          number: row.number,
          title: row.title,
          status: row.status,
          severity: row.severity,
          priority: row.priority,
          source: row.source,
          assigneeId: row.assignee_id,
          createdAt: isoTimestamp(row.created_at),
          resolvedAt: isoTimestamp(row.resolved_at),
        })),
      };
    },
  );
}
