import { isoTimestamp, requireMigration, requireServiceSecret, StringEnum, Type, type ServiceApp, type ServiceContext } from '@atlasai/plane-service';
import { INCIDENT_STATUSES, type TenantDatabase } from '../db.js';

/** The migration that scopes incidents by tenant and status (its index serves this query). */
export const INCIDENTS_REQUIRE = 2003;

const IncidentsQuery = Type.Object(
  {
    tenantId: Type.String({ format: 'uuid' }),
    status: Type.Optional(StringEnum(INCIDENT_STATUSES)),
    limit: Type.Integer({ minimum: 1, maximum: 500, default: 100 }),
  },
  { additionalProperties: false },
);

/**
 * `GET /api/incidents?tenantId=…[&status=…][&limit=…]`: a tenant's incidents, newest first. Internal until
 * the Tenant Plane has user authentication: it takes the service secret.
 */
export function incidentsRoute(app: ServiceApp, context: ServiceContext<TenantDatabase>): void {
  const { db } = context.database;
  app.get(
    '/api/incidents',
    {
      onRequest: requireServiceSecret(context.config.internalServiceSecret),
      preHandler: requireMigration(context.migrationState, INCIDENTS_REQUIRE),
      schema: { querystring: IncidentsQuery },
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
