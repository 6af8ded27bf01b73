import { isoTimestamp, requireMigration, requireServiceSecret, StringEnum, Type, type ServiceApp, type ServiceContext } from '@atlasai/plane-service';
import { LEAD_STATUSES, type ControlDatabase } from '../db.js';

/** The migration that adds the lead-management columns this route returns. */
export const LEADS_REQUIRE = 1007;

const LeadsQuery = Type.Object(
  {
    status: Type.Optional(StringEnum(LEAD_STATUSES)),
    demoRequested: Type.Optional(Type.Boolean()),
    limit: Type.Integer({ minimum: 1, maximum: 500, default: 100 }),
  },
  { additionalProperties: false },
);

/**
 * `GET /api/admin/leads[?status=…][&demoRequested=true][&limit=…]`: the Leads admin's worklist, newest
 * demo requests first, then newest leads (service secret).
 */
export function leadsRoute(app: ServiceApp, context: ServiceContext<ControlDatabase>): void {
  const { db } = context.database;
  app.get(
    '/api/admin/leads',
    {
      onRequest: requireServiceSecret(context.config.internalServiceSecret),
      preHandler: requireMigration(context.migrationState, LEADS_REQUIRE),
      schema: { querystring: LeadsQuery },
    },
    async (request) => {
      const { status, demoRequested, limit } = request.query;
      let query = db
        .selectFrom('signup_leads')
        .select([
          'id',
          'email',
          'full_name',
          'company_name',
          'job_title',
          'country',
          'message',
          'converted_tenant_id',
          'created_at',
          'status',
          'source',
          'company_size',
          'demo_requested_at',
          'assigned_to',
        ]);
      if (status !== undefined) query = query.where('status', '=', status);
      if (demoRequested !== undefined) query = query.where('demo_requested_at', demoRequested ? 'is not' : 'is', null);
      const rows = await query
        // Portable "NULLS LAST": PostgreSQL sorts NULL first in DESC, SQLite last.
        .orderBy((eb) => eb.case().when('demo_requested_at', 'is', null).then(1).else(0).end())
        .orderBy('demo_requested_at', 'desc')
        .orderBy('created_at', 'desc')
        .limit(limit)
        .execute();
      return {
        leads: rows.map((row) => ({
          id: row.id,
          email: row.email,
          fullName: row.full_name,
          companyName: row.company_name,
          jobTitle: row.job_title,
          country: row.country,
          message: row.message,
          status: row.status,
          source: row.source,
          companySize: row.company_size,
          demoRequestedAt: isoTimestamp(row.demo_requested_at),
          assignedTo: row.assigned_to,
          convertedTenantId: row.converted_tenant_id,
          createdAt: isoTimestamp(row.created_at),
        })),
      };
    },
  );
}
