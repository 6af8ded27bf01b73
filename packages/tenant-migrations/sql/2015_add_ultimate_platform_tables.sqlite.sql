-- 2015 add_ultimate_platform_tables (SQLite)
-- Three product areas that land together:
--   * Compliance: controls from frameworks (SOC 2, ISO 27001, CIS, ...) and
--     the assessments run against them, with evidence.
--   * FinOps: normalised cost records from cloud billing exports and the
--     budgets they are measured against.
--   * Value proof: the before/after metrics (MTTR, hours saved, cost avoided)
--     that show a tenant what the platform is worth to them.
-- Same tables, columns and index names as the PostgreSQL file (type mapping
-- as described in 2001, with date -> TEXT 'YYYY-MM-DD'). Money is NUMERIC, which
-- SQLite stores as an integer or a double. Sums that must be exact to the
-- cent are done in the application.

CREATE TABLE IF NOT EXISTS compliance_controls (
    id            TEXT PRIMARY KEY NOT NULL DEFAULT (lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6)))),
    tenant_id     TEXT NOT NULL,
    -- Framework key, e.g. 'soc2', 'iso27001', 'cis_linux'. Free text because
    -- tenants import their own frameworks.
    framework     TEXT NOT NULL,
    -- The control's id within its framework, e.g. 'CC6.1'.
    control_ref   TEXT NOT NULL,
    title         TEXT NOT NULL,
    description   TEXT,
    category      TEXT,
    severity      TEXT NOT NULL DEFAULT 'medium' CHECK (severity IN ('critical', 'high', 'medium', 'low', 'info')),
    -- Whether the platform can assess the control itself, and how.
    is_automated  INTEGER NOT NULL DEFAULT 0 CHECK (is_automated IN (0, 1)),
    check_config  TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(check_config)),
    owner_team_id TEXT REFERENCES teams (id) ON DELETE SET NULL,
    is_enabled    INTEGER NOT NULL DEFAULT 1 CHECK (is_enabled IN (0, 1)),
    created_at    TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at    TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

CREATE UNIQUE INDEX IF NOT EXISTS uq_compliance_controls_tenant_framework_ref
    ON compliance_controls (tenant_id, framework, control_ref);
CREATE INDEX IF NOT EXISTS idx_compliance_controls_owner_team_id ON compliance_controls (owner_team_id);

-- One row per assessment: the history is the audit evidence, so rows are not
-- updated after the fact (no updated_at).
CREATE TABLE IF NOT EXISTS compliance_assessments (
    id                 TEXT PRIMARY KEY NOT NULL DEFAULT (lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6)))),
    tenant_id          TEXT NOT NULL,
    control_id         TEXT NOT NULL REFERENCES compliance_controls (id) ON DELETE CASCADE,
    -- The host assessed, for host-level controls. NULL for tenant-level ones.
    host_id            TEXT REFERENCES hosts (id) ON DELETE SET NULL,
    status             TEXT NOT NULL
                       CHECK (status IN ('compliant', 'non_compliant', 'partially_compliant', 'not_applicable', 'error')),
    score              NUMERIC CHECK (score >= 0 AND score <= 100),
    evidence           TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(evidence)),
    findings           TEXT,
    -- NULL when the platform assessed the control automatically.
    assessed_by        TEXT,
    assessed_at        TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    remediation_due_at TEXT,
    created_at         TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

-- Latest assessment per control.
CREATE INDEX IF NOT EXISTS idx_compliance_assessments_control_assessed ON compliance_assessments (control_id, assessed_at);
CREATE INDEX IF NOT EXISTS idx_compliance_assessments_tenant_status ON compliance_assessments (tenant_id, status);
CREATE INDEX IF NOT EXISTS idx_compliance_assessments_host_id ON compliance_assessments (host_id);

-- Append-only: one row per billing line item as ingested.
CREATE TABLE IF NOT EXISTS finops_cost_records (
    id               TEXT PRIMARY KEY NOT NULL DEFAULT (lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6)))),
    tenant_id        TEXT NOT NULL,
    -- 'aws', 'azure', 'gcp', 'kubernetes', 'on_prem', ...
    provider         TEXT NOT NULL,
    -- Line item id in the provider's billing export. Makes re-ingesting an
    -- export idempotent (see the unique index below).
    source_record_id TEXT,
    account_id       TEXT,
    service          TEXT NOT NULL,
    resource_id      TEXT,
    host_id          TEXT REFERENCES hosts (id) ON DELETE SET NULL,
    team_id          TEXT REFERENCES teams (id) ON DELETE SET NULL,
    region           TEXT,
    usage_start      TEXT NOT NULL,
    usage_end        TEXT NOT NULL,
    usage_quantity   NUMERIC,
    usage_unit       TEXT,
    cost_amount      NUMERIC NOT NULL,
    currency         TEXT NOT NULL DEFAULT 'USD' CHECK (length(currency) = 3 AND currency NOT GLOB '*[^A-Z]*'),
    tags             TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(tags)),
    created_at       TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
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
    id               TEXT PRIMARY KEY NOT NULL DEFAULT (lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6)))),
    tenant_id        TEXT NOT NULL,
    organization_id  TEXT REFERENCES organizations (id) ON DELETE CASCADE,
    team_id          TEXT REFERENCES teams (id) ON DELETE CASCADE,
    name             TEXT NOT NULL,
    -- Which cost records count against the budget (providers, services, tags).
    scope            TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(scope)),
    period           TEXT NOT NULL DEFAULT 'monthly' CHECK (period IN ('monthly', 'quarterly', 'annual')),
    amount           NUMERIC NOT NULL CHECK (amount >= 0),
    currency         TEXT NOT NULL DEFAULT 'USD' CHECK (length(currency) = 3 AND currency NOT GLOB '*[^A-Z]*'),
    -- Fractions of the budget that raise an alert, e.g. [0.8, 1.0].
    alert_thresholds TEXT NOT NULL DEFAULT '[0.8, 1.0]'
                     CHECK (json_valid(alert_thresholds) AND json_type(alert_thresholds) = 'array'),
    starts_on        TEXT NOT NULL CHECK (starts_on = date(starts_on)),
    ends_on          TEXT CHECK (ends_on = date(ends_on)),
    is_enabled       INTEGER NOT NULL DEFAULT 1 CHECK (is_enabled IN (0, 1)),
    created_by       TEXT,
    created_at       TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at       TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    CHECK (ends_on IS NULL OR ends_on >= starts_on)
);

CREATE UNIQUE INDEX IF NOT EXISTS uq_finops_budgets_tenant_name ON finops_budgets (tenant_id, name);
CREATE INDEX IF NOT EXISTS idx_finops_budgets_organization_id ON finops_budgets (organization_id);
CREATE INDEX IF NOT EXISTS idx_finops_budgets_team_id ON finops_budgets (team_id);

CREATE TABLE IF NOT EXISTS value_proof_metrics (
    id             TEXT PRIMARY KEY NOT NULL DEFAULT (lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6)))),
    tenant_id      TEXT NOT NULL,
    -- e.g. 'mttr_minutes', 'incidents_auto_resolved', 'engineer_hours_saved',
    -- 'cost_avoided'. Free text: new metrics ship without a migration.
    metric_key     TEXT NOT NULL,
    period_start   TEXT NOT NULL,
    period_end     TEXT NOT NULL,
    -- The value before the platform (or without automation), for comparison.
    baseline_value NUMERIC,
    actual_value   NUMERIC NOT NULL,
    unit           TEXT,
    -- What produced the value: computed from platform data, or entered by hand.
    source         TEXT NOT NULL DEFAULT 'computed' CHECK (source IN ('computed', 'manual', 'imported')),
    -- Inputs and method, so the number can be explained and recomputed.
    details        TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(details)),
    computed_at    TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    created_at     TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at     TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    CHECK (period_end > period_start)
);

-- One value per metric and period: recomputation upserts.
CREATE UNIQUE INDEX IF NOT EXISTS uq_value_proof_metrics_tenant_metric_period
    ON value_proof_metrics (tenant_id, metric_key, period_start, period_end);
