-- 1002 control_subscriptions (SQLite)
-- Subscription lifecycle of a tenant (plan, trial, billing period, cancellation) and the
-- invoices billed against it. Payment-gateway (Razorpay) details of invoices arrive in 1007.
--
-- Money is stored as INTEGER in minor currency units (paise for INR), the unit Razorpay's API
-- uses, so amounts are exact and never pass through floating point. Every amount column ends
-- in _minor and sits next to an ISO-4217 currency code.
--
-- Billing rows reference tenants with ON DELETE RESTRICT: they are accounting records, so a
-- tenant with billing history is retired through tenants.status, never hard-deleted.

CREATE TABLE IF NOT EXISTS subscriptions (
    id                       TEXT    NOT NULL DEFAULT (lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)), 2) || '-' || substr('89ab', 1 + (random() & 3), 1) || substr(hex(randomblob(2)), 2) || '-' || hex(randomblob(6)))),
    tenant_id                TEXT    NOT NULL REFERENCES tenants (id) ON DELETE RESTRICT,
    -- Plan code from the product catalogue. No CHECK: the catalogue grows and this registry is
    -- additive-only, so a CHECK could never be widened.
    plan                     TEXT    NOT NULL CHECK (length(plan) > 0),
    -- incomplete: created, first payment / mandate not yet authorised.
    -- past_due: renewal payment failed, still in dunning. paused: billing paused by an admin.
    status                   TEXT    NOT NULL DEFAULT 'incomplete'
                                     CHECK (status IN ('incomplete', 'trialing', 'active', 'past_due',
                                                       'paused', 'canceled', 'expired')),
    billing_interval         TEXT    NOT NULL DEFAULT 'month' CHECK (billing_interval IN ('month', 'year')),
    seats                    INTEGER NOT NULL DEFAULT 1 CHECK (seats > 0),
    currency                 TEXT    NOT NULL DEFAULT 'INR'
                                     CHECK (length(currency) = 3 AND currency = upper(currency)),
    -- Price per seat per interval at the time of subscribing, so later catalogue price changes
    -- do not rewrite what existing customers agreed to.
    unit_amount_minor        INTEGER NOT NULL DEFAULT 0 CHECK (unit_amount_minor >= 0),
    trial_start              TEXT,
    trial_end                TEXT,
    current_period_start     TEXT,
    current_period_end       TEXT,
    cancel_at_period_end     INTEGER NOT NULL DEFAULT 0 CHECK (cancel_at_period_end IN (0, 1)),
    canceled_at              TEXT,
    cancellation_reason      TEXT,
    ended_at                 TEXT,
    razorpay_subscription_id TEXT,
    razorpay_customer_id     TEXT,
    razorpay_plan_id         TEXT,
    metadata                 TEXT    NOT NULL DEFAULT '{}'
                                     CHECK (json_valid(metadata) AND json_type(metadata) = 'object'),
    created_at               TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at               TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    CONSTRAINT subscriptions_pkey PRIMARY KEY (id),
    CONSTRAINT subscriptions_trial_check
        CHECK ((trial_start IS NULL) = (trial_end IS NULL) AND (trial_end IS NULL OR trial_end >= trial_start)),
    CONSTRAINT subscriptions_period_check
        CHECK (current_period_end IS NULL OR current_period_start IS NULL
               OR current_period_end > current_period_start),
    CONSTRAINT subscriptions_canceled_at_check CHECK (status <> 'canceled' OR canceled_at IS NOT NULL)
);

CREATE INDEX IF NOT EXISTS ix_subscriptions_tenant_id ON subscriptions (tenant_id);
-- At most one subscription per tenant that can still bill, ended ones are kept as history.
CREATE UNIQUE INDEX IF NOT EXISTS ux_subscriptions_tenant_live ON subscriptions (tenant_id)
    WHERE status IN ('incomplete', 'trialing', 'active', 'past_due', 'paused');
CREATE UNIQUE INDEX IF NOT EXISTS ux_subscriptions_razorpay_subscription_id
    ON subscriptions (razorpay_subscription_id);
CREATE INDEX IF NOT EXISTS ix_subscriptions_status ON subscriptions (status);
-- Renewal and trial-expiry jobs scan by period end.
CREATE INDEX IF NOT EXISTS ix_subscriptions_current_period_end ON subscriptions (current_period_end);

CREATE TABLE IF NOT EXISTS billing_invoices (
    id               TEXT    NOT NULL DEFAULT (lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)), 2) || '-' || substr('89ab', 1 + (random() & 3), 1) || substr(hex(randomblob(2)), 2) || '-' || hex(randomblob(6)))),
    tenant_id        TEXT    NOT NULL REFERENCES tenants (id) ON DELETE RESTRICT,
    -- Human-facing, sequential invoice number required on tax invoices.
    invoice_number   TEXT    NOT NULL CHECK (length(invoice_number) > 0),
    status           TEXT    NOT NULL DEFAULT 'draft'
                             CHECK (status IN ('draft', 'issued', 'partially_paid', 'paid', 'void', 'expired')),
    currency         TEXT    NOT NULL DEFAULT 'INR'
                             CHECK (length(currency) = 3 AND currency = upper(currency)),
    -- Pre-tax total of the line items.
    subtotal_minor   INTEGER NOT NULL DEFAULT 0 CHECK (subtotal_minor >= 0),
    -- What the customer owes, tax included.
    amount_due_minor INTEGER NOT NULL DEFAULT 0 CHECK (amount_due_minor >= 0),
    line_items       TEXT    NOT NULL DEFAULT '[]'
                             CHECK (json_valid(line_items) AND json_type(line_items) = 'array'),
    period_start     TEXT,
    period_end       TEXT,
    issued_at        TEXT,
    due_at           TEXT,
    notes            TEXT,
    created_at       TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at       TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    CONSTRAINT billing_invoices_pkey PRIMARY KEY (id),
    CONSTRAINT billing_invoices_period_check
        CHECK (period_end IS NULL OR period_start IS NULL OR period_end >= period_start)
);

CREATE UNIQUE INDEX IF NOT EXISTS ux_billing_invoices_invoice_number ON billing_invoices (invoice_number);
CREATE INDEX IF NOT EXISTS ix_billing_invoices_tenant_id ON billing_invoices (tenant_id);
CREATE INDEX IF NOT EXISTS ix_billing_invoices_status ON billing_invoices (status);
