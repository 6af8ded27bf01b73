-- 2001 tenant_org_teams_itsm_governance (SQLite)
-- Baseline of the Tenant Plane: the organisational structure the rest of the
-- tenant schema hangs off (organizations, teams, team membership), the ITSM
-- core (incidents, change requests, the automation job queue, workflow
-- definitions) and the governance layer that gates risky actions behind
-- approvals.
--
-- Same tables, columns and index names as the PostgreSQL file. Type mapping
-- used by every tenant migration on SQLite:
--   uuid        -> TEXT, defaulting to a random v4 UUID built in SQL so inserts
--                  that omit the id behave like gen_random_uuid()
--   timestamptz -> TEXT holding ISO-8601 UTC with milliseconds
--   jsonb       -> TEXT guarded by json_valid(). Nullable JSON columns spell
--                  out "col IS NULL OR json_valid(col)": older SQLite
--                  releases (3.40 for one) return 0, not NULL, for
--                  json_valid(NULL), which would make the CHECK reject NULL.
--   boolean     -> INTEGER restricted to 0/1
--   numeric     -> NUMERIC
-- tenant_id and user ids carry no foreign key (they live in the Control Plane).
-- Foreign keys are only enforced when the connection sets PRAGMA foreign_keys=ON.

CREATE TABLE IF NOT EXISTS organizations (
    id          TEXT PRIMARY KEY NOT NULL DEFAULT (lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6)))),
    tenant_id   TEXT NOT NULL,
    -- Deleting a parent detaches its children rather than cascading whole
    -- subtrees away.
    parent_id   TEXT REFERENCES organizations (id) ON DELETE SET NULL,
    name        TEXT NOT NULL,
    slug        TEXT NOT NULL CHECK (slug <> '' AND slug NOT GLOB '*[^a-z0-9-]*'),
    description TEXT,
    settings    TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(settings)),
    is_active   INTEGER NOT NULL DEFAULT 1 CHECK (is_active IN (0, 1)),
    created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    CHECK (parent_id IS NULL OR parent_id <> id)
);

CREATE UNIQUE INDEX IF NOT EXISTS uq_organizations_tenant_slug ON organizations (tenant_id, slug);
CREATE INDEX IF NOT EXISTS idx_organizations_parent_id ON organizations (parent_id);

CREATE TABLE IF NOT EXISTS teams (
    id              TEXT PRIMARY KEY NOT NULL DEFAULT (lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6)))),
    tenant_id       TEXT NOT NULL,
    organization_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    name            TEXT NOT NULL,
    slug            TEXT NOT NULL CHECK (slug <> '' AND slug NOT GLOB '*[^a-z0-9-]*'),
    description     TEXT,
    team_type       TEXT NOT NULL DEFAULT 'operations'
                    CHECK (team_type IN ('service_desk', 'operations', 'engineering', 'security', 'management', 'other')),
    email           TEXT,
    is_active       INTEGER NOT NULL DEFAULT 1 CHECK (is_active IN (0, 1)),
    created_at      TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at      TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

CREATE UNIQUE INDEX IF NOT EXISTS uq_teams_organization_slug ON teams (organization_id, slug);
CREATE INDEX IF NOT EXISTS idx_teams_tenant_id ON teams (tenant_id);

CREATE TABLE IF NOT EXISTS team_members (
    id         TEXT PRIMARY KEY NOT NULL DEFAULT (lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6)))),
    tenant_id  TEXT NOT NULL,
    team_id    TEXT NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    user_id    TEXT NOT NULL,
    role       TEXT NOT NULL DEFAULT 'member' CHECK (role IN ('member', 'lead', 'manager', 'observer')),
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

CREATE UNIQUE INDEX IF NOT EXISTS uq_team_members_team_user ON team_members (team_id, user_id);
-- "Which teams am I in?" is asked on every request that resolves permissions.
CREATE INDEX IF NOT EXISTS idx_team_members_tenant_user ON team_members (tenant_id, user_id);

-- Governance (approval) flows as well as ITSM and automation flows share one
-- table and are told apart by category.
CREATE TABLE IF NOT EXISTS workflows (
    id              TEXT PRIMARY KEY NOT NULL DEFAULT (lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6)))),
    tenant_id       TEXT NOT NULL,
    -- NULL means tenant-wide. Deleting an organization removes its workflows:
    -- setting NULL would silently widen them to the whole tenant.
    organization_id TEXT REFERENCES organizations (id) ON DELETE CASCADE,
    owner_team_id   TEXT REFERENCES teams (id) ON DELETE SET NULL,
    name            TEXT NOT NULL,
    description     TEXT,
    category        TEXT NOT NULL DEFAULT 'automation'
                    CHECK (category IN ('itsm', 'governance', 'automation', 'remediation', 'notification')),
    definition      TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(definition)),
    version         INTEGER NOT NULL DEFAULT 1 CHECK (version >= 1),
    status          TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'active', 'disabled', 'archived')),
    created_by      TEXT,
    created_at      TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at      TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

CREATE UNIQUE INDEX IF NOT EXISTS uq_workflows_tenant_name_version ON workflows (tenant_id, name, version);
CREATE INDEX IF NOT EXISTS idx_workflows_organization_id ON workflows (organization_id);
CREATE INDEX IF NOT EXISTS idx_workflows_owner_team_id ON workflows (owner_team_id);

CREATE TABLE IF NOT EXISTS incidents (
    id               TEXT PRIMARY KEY NOT NULL DEFAULT (lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6)))),
    tenant_id        TEXT NOT NULL,
    -- Incidents are records, not permissions: keep them when an organization goes.
    organization_id  TEXT REFERENCES organizations (id) ON DELETE SET NULL,
    -- Human-facing reference (e.g. INC0001234), allocated by the application.
    number           TEXT NOT NULL,
    title            TEXT NOT NULL,
    description      TEXT,
    status           TEXT NOT NULL DEFAULT 'new'
                     CHECK (status IN ('new', 'acknowledged', 'in_progress', 'on_hold', 'resolved', 'closed', 'cancelled')),
    severity         TEXT NOT NULL DEFAULT 'medium' CHECK (severity IN ('critical', 'high', 'medium', 'low', 'info')),
    priority         INTEGER NOT NULL DEFAULT 3 CHECK (priority BETWEEN 1 AND 5),
    source           TEXT NOT NULL DEFAULT 'manual'
                     CHECK (source IN ('manual', 'monitoring', 'email', 'api', 'integration', 'ai_detected')),
    assigned_team_id TEXT REFERENCES teams (id) ON DELETE SET NULL,
    assignee_id      TEXT,
    reporter_id      TEXT,
    -- Id of the mirrored record in an external ITSM tool (ServiceNow, Jira, ...).
    external_ref     TEXT,
    metadata         TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(metadata)),
    acknowledged_at  TEXT,
    resolved_at      TEXT,
    closed_at        TEXT,
    created_at       TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at       TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

CREATE UNIQUE INDEX IF NOT EXISTS uq_incidents_tenant_number ON incidents (tenant_id, number);
CREATE INDEX IF NOT EXISTS idx_incidents_organization_id ON incidents (organization_id);
CREATE INDEX IF NOT EXISTS idx_incidents_assigned_team_id ON incidents (assigned_team_id);

CREATE TABLE IF NOT EXISTS change_requests (
    id                  TEXT PRIMARY KEY NOT NULL DEFAULT (lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6)))),
    tenant_id           TEXT NOT NULL,
    organization_id     TEXT REFERENCES organizations (id) ON DELETE SET NULL,
    number              TEXT NOT NULL,
    title               TEXT NOT NULL,
    description         TEXT,
    change_type         TEXT NOT NULL DEFAULT 'normal' CHECK (change_type IN ('standard', 'normal', 'emergency')),
    risk_level          TEXT NOT NULL DEFAULT 'medium' CHECK (risk_level IN ('low', 'medium', 'high', 'critical')),
    status              TEXT NOT NULL DEFAULT 'draft'
                        CHECK (status IN ('draft', 'pending_approval', 'approved', 'rejected', 'scheduled',
                                          'in_progress', 'completed', 'failed', 'cancelled')),
    -- The incident that prompted the change, if any.
    incident_id         TEXT REFERENCES incidents (id) ON DELETE SET NULL,
    assigned_team_id    TEXT REFERENCES teams (id) ON DELETE SET NULL,
    requested_by        TEXT NOT NULL,
    implementation_plan TEXT,
    rollback_plan       TEXT,
    planned_start_at    TEXT,
    planned_end_at      TEXT,
    actual_start_at     TEXT,
    actual_end_at       TEXT,
    created_at          TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at          TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    -- ISO-8601 UTC strings of one format compare correctly as text.
    CHECK (planned_end_at IS NULL OR planned_start_at IS NULL OR planned_end_at >= planned_start_at)
);

CREATE UNIQUE INDEX IF NOT EXISTS uq_change_requests_tenant_number ON change_requests (tenant_id, number);
CREATE INDEX IF NOT EXISTS idx_change_requests_tenant_status ON change_requests (tenant_id, status);
CREATE INDEX IF NOT EXISTS idx_change_requests_organization_id ON change_requests (organization_id);
CREATE INDEX IF NOT EXISTS idx_change_requests_incident_id ON change_requests (incident_id);
CREATE INDEX IF NOT EXISTS idx_change_requests_assigned_team_id ON change_requests (assigned_team_id);

-- The automation job queue. Execution tracking columns arrive in 2004 and the
-- tenant/status index in 2005.
CREATE TABLE IF NOT EXISTS automation_jobs (
    id            TEXT PRIMARY KEY NOT NULL DEFAULT (lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6)))),
    tenant_id     TEXT NOT NULL,
    workflow_id   TEXT REFERENCES workflows (id) ON DELETE SET NULL,
    incident_id   TEXT REFERENCES incidents (id) ON DELETE SET NULL,
    job_type      TEXT NOT NULL,
    parameters    TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(parameters)),
    status        TEXT NOT NULL DEFAULT 'queued'
                  CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'cancelled', 'timed_out')),
    result        TEXT CHECK (result IS NULL OR json_valid(result)),
    -- NULL means "as soon as a worker is free".
    scheduled_for TEXT,
    created_at    TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at    TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

CREATE INDEX IF NOT EXISTS idx_automation_jobs_workflow_id ON automation_jobs (workflow_id);
CREATE INDEX IF NOT EXISTS idx_automation_jobs_incident_id ON automation_jobs (incident_id);

-- Governance: which actions need approval, by whom, and the resulting requests
-- and decisions.
CREATE TABLE IF NOT EXISTS approval_policies (
    id                  TEXT PRIMARY KEY NOT NULL DEFAULT (lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6)))),
    tenant_id           TEXT NOT NULL,
    -- NULL means tenant-wide. CASCADE rather than SET NULL so that deleting an
    -- organization can never turn its policy into a tenant-wide one.
    organization_id     TEXT REFERENCES organizations (id) ON DELETE CASCADE,
    name                TEXT NOT NULL,
    description         TEXT,
    resource_type       TEXT NOT NULL
                        CHECK (resource_type IN ('change_request', 'automation_job', 'workflow', 'remediation', 'credential_access')),
    -- Requests at or above this risk level need approval.
    min_risk_level      TEXT NOT NULL DEFAULT 'high' CHECK (min_risk_level IN ('low', 'medium', 'high', 'critical')),
    required_approvals  INTEGER NOT NULL DEFAULT 1 CHECK (required_approvals >= 1),
    approver_team_id    TEXT REFERENCES teams (id) ON DELETE SET NULL,
    allow_self_approval INTEGER NOT NULL DEFAULT 0 CHECK (allow_self_approval IN (0, 1)),
    timeout_minutes     INTEGER CHECK (timeout_minutes > 0),
    conditions          TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(conditions)),
    is_enabled          INTEGER NOT NULL DEFAULT 1 CHECK (is_enabled IN (0, 1)),
    created_at          TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at          TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

CREATE UNIQUE INDEX IF NOT EXISTS uq_approval_policies_tenant_name ON approval_policies (tenant_id, name);
CREATE INDEX IF NOT EXISTS idx_approval_policies_organization_id ON approval_policies (organization_id);
CREATE INDEX IF NOT EXISTS idx_approval_policies_approver_team_id ON approval_policies (approver_team_id);

CREATE TABLE IF NOT EXISTS approval_requests (
    id                 TEXT PRIMARY KEY NOT NULL DEFAULT (lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6)))),
    tenant_id          TEXT NOT NULL,
    -- NULL for ad-hoc requests raised without a policy.
    policy_id          TEXT REFERENCES approval_policies (id) ON DELETE SET NULL,
    -- Polymorphic target (change request, automation job, ...): no FK possible.
    resource_type      TEXT NOT NULL
                       CHECK (resource_type IN ('change_request', 'automation_job', 'workflow', 'remediation', 'credential_access')),
    resource_id        TEXT NOT NULL,
    title              TEXT NOT NULL,
    justification      TEXT,
    risk_level         TEXT NOT NULL DEFAULT 'medium' CHECK (risk_level IN ('low', 'medium', 'high', 'critical')),
    status             TEXT NOT NULL DEFAULT 'pending'
                       CHECK (status IN ('pending', 'approved', 'rejected', 'expired', 'cancelled')),
    -- Copied from the policy when the request is raised, so later policy edits
    -- do not change the rules for requests already in flight.
    required_approvals INTEGER NOT NULL DEFAULT 1 CHECK (required_approvals >= 1),
    requested_by       TEXT NOT NULL,
    expires_at         TEXT,
    resolved_at        TEXT,
    created_at         TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at         TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

CREATE INDEX IF NOT EXISTS idx_approval_requests_tenant_status ON approval_requests (tenant_id, status);
CREATE INDEX IF NOT EXISTS idx_approval_requests_resource ON approval_requests (resource_type, resource_id);
CREATE INDEX IF NOT EXISTS idx_approval_requests_policy_id ON approval_requests (policy_id);

-- Decisions are an audit trail: rows are never updated, hence no updated_at.
CREATE TABLE IF NOT EXISTS approval_decisions (
    id          TEXT PRIMARY KEY NOT NULL DEFAULT (lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6)))),
    tenant_id   TEXT NOT NULL,
    request_id  TEXT NOT NULL REFERENCES approval_requests (id) ON DELETE CASCADE,
    approver_id TEXT NOT NULL,
    decision    TEXT NOT NULL CHECK (decision IN ('approved', 'rejected')),
    comment     TEXT,
    created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

-- One vote per approver per request.
CREATE UNIQUE INDEX IF NOT EXISTS uq_approval_decisions_request_approver ON approval_decisions (request_id, approver_id);
CREATE INDEX IF NOT EXISTS idx_approval_decisions_tenant_approver ON approval_decisions (tenant_id, approver_id);
