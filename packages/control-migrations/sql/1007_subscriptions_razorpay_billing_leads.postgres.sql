-- 1007 subscriptions_razorpay_billing_leads (PostgreSQL)
-- Two additive changes shipped together:
--   1. billing_invoices learns which subscription it bills and how it was settled through
--      Razorpay, so payment webhooks (invoice.paid, payment.captured, order.paid) can be matched
--      to an invoice and reconciled: exactly 9 new columns.
--   2. signup_leads becomes a worklist for the Leads admin (demo requests, qualification,
--      ownership): exactly 5 new columns.
-- Existing rows take the defaults (no payment recorded, lead status 'new'), payment
-- reconciliation fills the Razorpay fields from then on.
-- Constraints on the new columns are added in separate guarded blocks rather than inline, so
-- they are still created when a column already existed (ADD COLUMN IF NOT EXISTS skips the
-- whole column definition, inline constraints included).
-- Amounts follow 1002: bigint minor currency units (paise), in the invoice's currency.

-- billing_invoices: 9 columns --------------------------------------------------------------

-- Invoices are accounting records: a subscription that has invoices is ended through its
-- status, never deleted, hence RESTRICT. NULL for one-off invoices outside a subscription.
ALTER TABLE billing_invoices ADD COLUMN IF NOT EXISTS subscription_id uuid;
ALTER TABLE billing_invoices ADD COLUMN IF NOT EXISTS razorpay_invoice_id text;
ALTER TABLE billing_invoices ADD COLUMN IF NOT EXISTS razorpay_order_id text;
ALTER TABLE billing_invoices ADD COLUMN IF NOT EXISTS razorpay_payment_id text;
-- As reported by Razorpay (card, upi, netbanking, emandate, ...). Open vocabulary, no CHECK.
ALTER TABLE billing_invoices ADD COLUMN IF NOT EXISTS payment_method text;
-- Tax (GST) portion of amount_due_minor, needed separately on Indian tax invoices.
ALTER TABLE billing_invoices ADD COLUMN IF NOT EXISTS tax_minor bigint NOT NULL DEFAULT 0;
-- Sum of captured payments, can be below amount_due_minor while partially_paid.
ALTER TABLE billing_invoices ADD COLUMN IF NOT EXISTS amount_paid_minor bigint NOT NULL DEFAULT 0;
ALTER TABLE billing_invoices ADD COLUMN IF NOT EXISTS paid_at timestamptz;
-- Razorpay-hosted (short_url) or our own rendered PDF.
ALTER TABLE billing_invoices ADD COLUMN IF NOT EXISTS invoice_pdf_url text;

DO $$
BEGIN
    IF NOT EXISTS (
        SELECT 1 FROM pg_constraint
        WHERE conname = 'billing_invoices_subscription_id_fkey'
          AND conrelid = 'billing_invoices'::regclass
    ) THEN
        ALTER TABLE billing_invoices ADD CONSTRAINT billing_invoices_subscription_id_fkey
            FOREIGN KEY (subscription_id) REFERENCES subscriptions (id) ON DELETE RESTRICT;
    END IF;
END
$$;

DO $$
BEGIN
    IF NOT EXISTS (
        SELECT 1 FROM pg_constraint
        WHERE conname = 'billing_invoices_tax_minor_check'
          AND conrelid = 'billing_invoices'::regclass
    ) THEN
        ALTER TABLE billing_invoices ADD CONSTRAINT billing_invoices_tax_minor_check
            CHECK (tax_minor >= 0);
    END IF;
END
$$;

DO $$
BEGIN
    IF NOT EXISTS (
        SELECT 1 FROM pg_constraint
        WHERE conname = 'billing_invoices_amount_paid_minor_check'
          AND conrelid = 'billing_invoices'::regclass
    ) THEN
        ALTER TABLE billing_invoices ADD CONSTRAINT billing_invoices_amount_paid_minor_check
            CHECK (amount_paid_minor >= 0);
    END IF;
END
$$;

CREATE INDEX IF NOT EXISTS ix_billing_invoices_subscription_id ON billing_invoices (subscription_id);
-- One Razorpay invoice maps to exactly one of ours: webhook replays must not double-book.
CREATE UNIQUE INDEX IF NOT EXISTS ux_billing_invoices_razorpay_invoice_id ON billing_invoices (razorpay_invoice_id);
-- Webhook lookups by order and payment id.
CREATE INDEX IF NOT EXISTS ix_billing_invoices_razorpay_order_id ON billing_invoices (razorpay_order_id);
CREATE INDEX IF NOT EXISTS ix_billing_invoices_razorpay_payment_id ON billing_invoices (razorpay_payment_id);

-- signup_leads: 5 columns ------------------------------------------------------------------

ALTER TABLE signup_leads ADD COLUMN IF NOT EXISTS status text NOT NULL DEFAULT 'new';
-- Marketing attribution ('website', 'pricing_page', 'referral', 'event', ...). Open
-- vocabulary, no CHECK.
ALTER TABLE signup_leads ADD COLUMN IF NOT EXISTS source text;
ALTER TABLE signup_leads ADD COLUMN IF NOT EXISTS company_size text;
-- Set when the lead asks for a demo, drives the demo-request queue.
ALTER TABLE signup_leads ADD COLUMN IF NOT EXISTS demo_requested_at timestamptz;
-- Sales/admin user who owns the lead. The lead stays when that user is removed.
ALTER TABLE signup_leads ADD COLUMN IF NOT EXISTS assigned_to uuid;

DO $$
BEGIN
    IF NOT EXISTS (
        SELECT 1 FROM pg_constraint
        WHERE conname = 'signup_leads_status_check'
          AND conrelid = 'signup_leads'::regclass
    ) THEN
        ALTER TABLE signup_leads ADD CONSTRAINT signup_leads_status_check
            CHECK (status IN ('new', 'contacted', 'qualified', 'demo_scheduled', 'converted', 'disqualified'));
    END IF;
END
$$;

DO $$
BEGIN
    IF NOT EXISTS (
        SELECT 1 FROM pg_constraint
        WHERE conname = 'signup_leads_company_size_check'
          AND conrelid = 'signup_leads'::regclass
    ) THEN
        ALTER TABLE signup_leads ADD CONSTRAINT signup_leads_company_size_check
            CHECK (company_size IN ('1-10', '11-50', '51-200', '201-1000', '1001-5000', '5000+'));
    END IF;
END
$$;

DO $$
BEGIN
    IF NOT EXISTS (
        SELECT 1 FROM pg_constraint
        WHERE conname = 'signup_leads_assigned_to_fkey'
          AND conrelid = 'signup_leads'::regclass
    ) THEN
        ALTER TABLE signup_leads ADD CONSTRAINT signup_leads_assigned_to_fkey
            FOREIGN KEY (assigned_to) REFERENCES users (id) ON DELETE SET NULL;
    END IF;
END
$$;

CREATE INDEX IF NOT EXISTS ix_signup_leads_status ON signup_leads (status);
CREATE INDEX IF NOT EXISTS ix_signup_leads_assigned_to ON signup_leads (assigned_to);
CREATE INDEX IF NOT EXISTS ix_signup_leads_demo_requested_at ON signup_leads (demo_requested_at);
