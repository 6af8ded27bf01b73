-- 1007 subscriptions_razorpay_billing_leads (SQLite)
-- Two additive changes shipped together:
--   1. billing_invoices learns which subscription it bills and how it was settled through
--      Razorpay, so payment webhooks (invoice.paid, payment.captured, order.paid) can be matched
--      to an invoice and reconciled: exactly 9 new columns.
--   2. signup_leads becomes a worklist for the Leads admin (demo requests, qualification,
--      ownership): exactly 5 new columns.
-- Existing rows take the defaults (no payment recorded, lead status 'new'), payment
-- reconciliation fills the Razorpay fields from then on.
-- SQLite has no ADD COLUMN IF NOT EXISTS: each ALTER stands alone so the engine can skip just
-- that statement on "duplicate column name". SQLite cannot add constraints to an existing
-- column, so CHECK and REFERENCES are declared inline (a REFERENCES column must default to
-- NULL, a NOT NULL column needs a constant default, timestamps are nullable without default).
-- Amounts follow 1002: INTEGER minor currency units (paise), in the invoice's currency.

-- billing_invoices: 9 columns --------------------------------------------------------------

-- Invoices are accounting records: a subscription that has invoices is ended through its
-- status, never deleted, hence RESTRICT. NULL for one-off invoices outside a subscription.
ALTER TABLE billing_invoices ADD COLUMN subscription_id TEXT
    CONSTRAINT billing_invoices_subscription_id_fkey REFERENCES subscriptions (id) ON DELETE RESTRICT;
ALTER TABLE billing_invoices ADD COLUMN razorpay_invoice_id TEXT;
ALTER TABLE billing_invoices ADD COLUMN razorpay_order_id TEXT;
ALTER TABLE billing_invoices ADD COLUMN razorpay_payment_id TEXT;
-- As reported by Razorpay (card, upi, netbanking, emandate, ...). Open vocabulary, no CHECK.
ALTER TABLE billing_invoices ADD COLUMN payment_method TEXT;
-- Tax (GST) portion of amount_due_minor, needed separately on Indian tax invoices.
ALTER TABLE billing_invoices ADD COLUMN tax_minor INTEGER NOT NULL DEFAULT 0
    CONSTRAINT billing_invoices_tax_minor_check CHECK (tax_minor >= 0);
-- Sum of captured payments, can be below amount_due_minor while partially_paid.
ALTER TABLE billing_invoices ADD COLUMN amount_paid_minor INTEGER NOT NULL DEFAULT 0
    CONSTRAINT billing_invoices_amount_paid_minor_check CHECK (amount_paid_minor >= 0);
ALTER TABLE billing_invoices ADD COLUMN paid_at TEXT;
-- Razorpay-hosted (short_url) or our own rendered PDF.
ALTER TABLE billing_invoices ADD COLUMN invoice_pdf_url TEXT;

CREATE INDEX IF NOT EXISTS ix_billing_invoices_subscription_id ON billing_invoices (subscription_id);
-- One Razorpay invoice maps to exactly one of ours: webhook replays must not double-book.
CREATE UNIQUE INDEX IF NOT EXISTS ux_billing_invoices_razorpay_invoice_id ON billing_invoices (razorpay_invoice_id);
-- Webhook lookups by order and payment id.
CREATE INDEX IF NOT EXISTS ix_billing_invoices_razorpay_order_id ON billing_invoices (razorpay_order_id);
CREATE INDEX IF NOT EXISTS ix_billing_invoices_razorpay_payment_id ON billing_invoices (razorpay_payment_id);

-- signup_leads: 5 columns ------------------------------------------------------------------

ALTER TABLE signup_leads ADD COLUMN status TEXT NOT NULL DEFAULT 'new'
    CONSTRAINT signup_leads_status_check
    CHECK (status IN ('new', 'contacted', 'qualified', 'demo_scheduled', 'converted', 'disqualified'));
-- Marketing attribution ('website', 'pricing_page', 'referral', 'event', ...). Open
-- vocabulary, no CHECK.
ALTER TABLE signup_leads ADD COLUMN source TEXT;
ALTER TABLE signup_leads ADD COLUMN company_size TEXT
    CONSTRAINT signup_leads_company_size_check
    CHECK (company_size IN ('1-10', '11-50', '51-200', '201-1000', '1001-5000', '5000+'));
-- Set when the lead asks for a demo, drives the demo-request queue.
ALTER TABLE signup_leads ADD COLUMN demo_requested_at TEXT;
-- Sales/admin user who owns the lead. The lead stays when that user is removed.
ALTER TABLE signup_leads ADD COLUMN assigned_to TEXT
    CONSTRAINT signup_leads_assigned_to_fkey REFERENCES users (id) ON DELETE SET NULL;

CREATE INDEX IF NOT EXISTS ix_signup_leads_status ON signup_leads (status);
CREATE INDEX IF NOT EXISTS ix_signup_leads_assigned_to ON signup_leads (assigned_to);
CREATE INDEX IF NOT EXISTS ix_signup_leads_demo_requested_at ON signup_leads (demo_requested_at);
