import {
  isoTimestamp,
  jsonValue,
  minorUnits,
  requireMigration,
  requireServiceSecret,
  Type,
  type ServiceApp,
  type ServiceContext,
} from '@atlasai/plane-service';
import type { ControlDatabase } from '../db.js';

/** The migration that adds the billing columns this route returns. */
export const INVOICES_REQUIRE = 1007;

const InvoicesQuery = Type.Object(
  { tenantId: Type.String({ format: 'uuid' }), limit: Type.Integer({ minimum: 1, maximum: 500, default: 100 }) },
  { additionalProperties: false },
);

/** `GET /api/billing/invoices?tenantId=…[&limit=…]`: a tenant's invoice history, newest first (service secret). */
export function invoicesRoute(app: ServiceApp, context: ServiceContext<ControlDatabase>): void {
  const { db } = context.database;
  app.get(
    '/api/billing/invoices',
    {
      onRequest: requireServiceSecret(context.config.internalServiceSecret),
      preHandler: requireMigration(context.migrationState, INVOICES_REQUIRE),
      schema: { querystring: InvoicesQuery },
    },
    async (request) => {
      const { tenantId, limit } = request.query;
      const rows = await db
        .selectFrom('billing_invoices')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .orderBy('created_at', 'desc')
        .orderBy('invoice_number', 'desc')
        .limit(limit)
        .execute();
      return {
        invoices: rows.map((row) => ({
          id: row.id,
          tenantId: row.tenant_id,
          invoiceNumber: row.invoice_number,
          status: row.status,
          currency: row.currency,
          subtotalMinor: minorUnits(row.subtotal_minor),
          taxMinor: minorUnits(row.tax_minor),
          amountDueMinor: minorUnits(row.amount_due_minor),
          amountPaidMinor: minorUnits(row.amount_paid_minor),
          lineItems: jsonValue(row.line_items),
          periodStart: isoTimestamp(row.period_start),
          periodEnd: isoTimestamp(row.period_end),
          issuedAt: isoTimestamp(row.issued_at),
          dueAt: isoTimestamp(row.due_at),
          paidAt: isoTimestamp(row.paid_at),
          subscriptionId: row.subscription_id,
          razorpayInvoiceId: row.razorpay_invoice_id,
          razorpayOrderId: row.razorpay_order_id,
          razorpayPaymentId: row.razorpay_payment_id,
          paymentMethod: row.payment_method,
          invoicePdfUrl: row.invoice_pdf_url,
          createdAt: isoTimestamp(row.created_at),
        })),
      };
    },
  );
}
