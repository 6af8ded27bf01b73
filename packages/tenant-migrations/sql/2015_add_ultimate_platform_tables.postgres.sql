-- 2015 add_ultimate_platform_tables
-- Three product areas that land together:
--   * Compliance: controls from frameworks (SOC 2, ISO 27001, CIS, ...) and
--     the assessments run against them, with evidence.
--   * FinOps: normalised cost records from cloud billing exports and the
--     budgets they are measured against.
--   * Value proof: the before/after metrics (MTTR, hours saved, cost avoided)
--     that show a tenant what the platform is worth to them.

CREATE TABLE IF NOT EXISTS compliance_controls (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id     uuid NOT NULL,
    -- Framework key, e.g. 'soc2', 'iso27001', 'cis_linux'. Free text because
    -- tenants import their own frameworks.
    framework     text NOT NULL,
    -- The control's id within its framework, e.g. 'CC6.1'.
    control_ref   text NOT NULL,
    title         text NOT NULL,
    description   text,
    category      text,
    severity      text NOT NULL DEFAULT 'medium' CHECK (severity IN ('critical', 'high', 'medium', 'low', 'info')),
    -- Whether the platform can assess the control itself, and how.
    is_automated  boolean NOT NULL DEFAULT false,
    check_config  jsonb NOT NULL DEFAULT '{}'::jsonb,
    owner_team_id uuid REFERENCES teams (id) ON DELETE SET NULL,
    is_enabled    boolean NOT NULL DEFAULT true,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now()
);

CREATE UNIQUE INDEX IF NOT EXISTS uq_compliance_controls_tenant_framework_ref
    ON compliance_controls (tenant_id, framework, control_ref);
CREATE INDEX IF NOT EXISTS idx_compliance_controls_owner_team_id ON compliance_controls (owner_team_id);

-- One row per assessment: the history is the audit evidence, so rows are not
-- updated after the fact (no updated_at).
CREATE TABLE IF NOT EXISTS compliance_assessments (
    id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id          uuid NOT NULL,
    control_id         uuid NOT NULL REFERENCES compliance_controls (id) ON DELETE CASCADE,
    -- The host assessed, for host-level controls. NULL for tenant-level ones.
    host_id            uuid REFERENCES hosts (id) ON DELETE SET NULL,
    status             text NOT NULL
                       CHECK (status IN ('compliant', 'non_compliant', 'partially_compliant', 'not_applicable', 'error')),
    score              numeric(5, 2) CHECK (score >= 0 AND score <= 100),
    evidence           jsonb NOT NULL DEFAULT '{}'::jsonb,
    findings           text,
    -- NULL when the platform assessed the control automatically.
    assessed_by        uuid,
    assessed_at        timestamptz NOT NULL DEFAULT now(),
    remediation_due_at timestamptz,
    created_at         timestamptz NOT NULL DEFAULT now()
);

-- Latest assessment per control.
CREATE INDEX IF NOT EXISTS idx_compliance_assessments_control_assessed ON compliance_assessments (control_id, assessed_at);
CREATE INDEX IF NOT EXISTS idx_compliance_assessments_tenant_status ON compliance_assessments (tenant_id, status);
CREATE INDEX IF NOT EXISTS idx_compliance_assessments_host_id ON compliance_assessments (host_id);

-- Append-only: one row per billing line item as ingested.
CREATE TABLE IF NOT EXISTS finops_cost_records (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id        uuid NOT NULL,
    -- 'aws', 'azure', 'gcp', 'kubernetes', 'on_prem', ...
    provider         text NOT NULL,
    -- Line item id in the provider's billing export. Makes re-ingesting an
    -- export idempotent (see the unique index below).
    source_record_id text,
    account_id       text,
    service          text NOT NULL,
    resource_id      text,
    host_id          uuid REFERENCES hosts (id) ON DELETE SET NULL,
    team_id          uuid REFERENCES teams (id) ON DELETE SET NULL,
    region           text,
    usage_start      timestamptz NOT NULL,
    usage_end        timestamptz NOT NULL,
    usage_quantity   numeric(20, 6),
    usage_unit       text,
    -- Six decimals: per-second and per-request prices are fractions of a cent.
    cost_amount      numeric(20, 6) NOT NULL,
    currency         text NOT NULL DEFAULT 'USD' CHECK (currency ~ '^[A-Z]{3}$'),
    tags             jsonb NOT NULL DEFAULT '{}'::jsonb,
    created_at       timestamptz NOT NULL DEFAULT now(),
    CHECK (usage_end >= usage_start)
);

CREATE UNIQUE INDEX IF NOT EXISTS uq_finops_cost_records_tenant_provider_source
    ON finops_cost_records (tenant_id, provider, source_record_id);
CREATE INDEX IF NOT EXISTS idx_finops_cost_records_tenant_usage_start ON finops_cost_records (tenant_id, usage_start);
CREATE INDEX IF NOT EXISTS idx_finops_cost_records_tenant_provider_service
    ON finops_cost_records (tenant_id, provider, service);
CREATE INDEX IF NOT EXISTS idx_finops_cost_records_host_id ON finops_cost_records (host_id);
CREATE INDEX IF NOT EXISTS idx_finops_cost_records_team_id ON finops_cost_records (team_id);

CREATE TABLE IF NOT EXISTS finops_budgets (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id        uuid NOT NULL,
    organization_id  uuid REFERENCES organizations (id) ON DELETE CASCADE,
    team_id          uuid REFERENCES teams (id) ON DELETE CASCADE,
    name             text NOT NULL,
    -- Which cost records count against the budget (providers, services, tags).
    scope            jsonb NOT NULL DEFAULT '{}'::jsonb,
    period           text NOT NULL DEFAULT 'monthly' CHECK (period IN ('monthly', 'quarterly', 'annual')),
    amount           numeric(20, 2) NOT NULL CHECK (amount >= 0),
    currency         text NOT NULL DEFAULT 'USD' CHECK (currency ~ '^[A-Z]{3}$'),
    -- Fractions of the budget that raise an alert, e.g. [0.8, 1.0].
    alert_thresholds jsonb NOT NULL DEFAULT '[0.8, 1.0]'::jsonb CHECK (jsonb_typeof(alert_thresholds) = 'array'),
    starts_on        date NOT NULL,
    ends_on          date,
    is_enabled       boolean NOT NULL DEFAULT true,
    created_by       uuid,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    CHECK (ends_on IS NULL OR ends_on >= starts_on)
);

CREATE UNIQUE INDEX IF NOT EXISTS uq_finops_budgets_tenant_name ON finops_budgets (tenant_id, name);
CREATE INDEX IF NOT EXISTS idx_finops_budgets_organization_id ON finops_budgets (organization_id);
CREATE INDEX IF NOT EXISTS idx_finops_budgets_team_id ON finops_budgets (team_id);

CREATE TABLE IF NOT EXISTS value_proof_metrics (
    id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id      uuid NOT NULL,
    -- e.g. 'mttr_minutes', 'incidents_auto_resolved', 'engineer_hours_saved',
    -- 'cost_avoided'. Free text: new metrics ship without a migration.
    metric_key     text NOT NULL,
    period_start   timestamptz NOT NULL,
    period_end     timestamptz NOT NULL,
    -- The value before the platform (or without automation), for comparison.
    baseline_value numeric(20, 4),
    actual_value   numeric(20, 4) NOT NULL,
    unit           text,
    -- What produced the value: computed from platform data, or entered by hand.
    source         text NOT NULL DEFAULT 'computed' CHECK (source IN ('computed', 'manual', 'imported')),
    -- Inputs and method, so the number can be explained and recomputed.
    details        jsonb NOT NULL DEFAULT '{}'::jsonb,
    computed_at    timestamptz NOT NULL DEFAULT now(),
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    CHECK (period_end > period_start)
);

-- One value per metric and period: recomputation upserts.
CREATE UNIQUE INDEX IF NOT EXISTS uq_value_proof_metrics_tenant_metric_period
    ON value_proof_metrics (tenant_id, metric_key, period_start, period_end);
