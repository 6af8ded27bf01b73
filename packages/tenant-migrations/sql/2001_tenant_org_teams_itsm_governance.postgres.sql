-- 2001 tenant_org_teams_itsm_governance
-- Baseline of the Tenant Plane: the organisational structure the rest of the
-- tenant schema hangs off (organizations, teams, team membership), the ITSM
-- core (incidents, change requests, the automation job queue, workflow
-- definitions) and the governance layer that gates risky actions behind
-- approvals.
--
-- Conventions used by every tenant migration:
--   * tenant_id has no foreign key: tenants live in the Control Plane database.
--   * User ids (user_id, requested_by, created_by, ...) point at the Control
--     Plane identity store, so they are plain uuids without a foreign key.
--   * Every statement is idempotent on its own, so a partially applied
--     migration can simply be run again.
--   * Uniqueness is expressed as named unique indexes (not table constraints)
--     so index names are identical on PostgreSQL and SQLite.

CREATE TABLE IF NOT EXISTS organizations (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id   uuid NOT NULL,
    -- Organizations nest (company > business unit > department). Deleting a
    -- parent detaches its children rather than cascading whole subtrees away.
    parent_id   uuid REFERENCES organizations (id) ON DELETE SET NULL,
    name        text NOT NULL,
    slug        text NOT NULL CHECK (slug ~ '^[a-z0-9-]+$'),
    description text,
    settings    jsonb NOT NULL DEFAULT '{}'::jsonb,
    is_active   boolean NOT NULL DEFAULT true,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    CHECK (parent_id IS NULL OR parent_id <> id)
);

CREATE UNIQUE INDEX IF NOT EXISTS uq_organizations_tenant_slug ON organizations (tenant_id, slug);
CREATE INDEX IF NOT EXISTS idx_organizations_parent_id ON organizations (parent_id);

CREATE TABLE IF NOT EXISTS teams (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id       uuid NOT NULL,
    organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    name            text NOT NULL,
    slug            text NOT NULL CHECK (slug ~ '^[a-z0-9-]+$'),
    description     text,
    team_type       text NOT NULL DEFAULT 'operations'
                    CHECK (team_type IN ('service_desk', 'operations', 'engineering', 'security', 'management', 'other')),
    email           text,
    is_active       boolean NOT NULL DEFAULT true,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);

CREATE UNIQUE INDEX IF NOT EXISTS uq_teams_organization_slug ON teams (organization_id, slug);
CREATE INDEX IF NOT EXISTS idx_teams_tenant_id ON teams (tenant_id);

CREATE TABLE IF NOT EXISTS team_members (
    id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id  uuid NOT NULL,
    team_id    uuid NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    user_id    uuid NOT NULL,
    role       text NOT NULL DEFAULT 'member' CHECK (role IN ('member', 'lead', 'manager', 'observer')),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE UNIQUE INDEX IF NOT EXISTS uq_team_members_team_user ON team_members (team_id, user_id);
-- "Which teams am I in?" is asked on every request that resolves permissions.
CREATE INDEX IF NOT EXISTS idx_team_members_tenant_user ON team_members (tenant_id, user_id);

-- Workflow definitions: governance (approval) flows as well as ITSM and
-- automation flows share one table and are told apart by category.
CREATE TABLE IF NOT EXISTS workflows (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id       uuid NOT NULL,
    -- NULL means tenant-wide. Deleting an organization removes its workflows:
    -- setting NULL would silently widen them to the whole tenant.
    organization_id uuid REFERENCES organizations (id) ON DELETE CASCADE,
    owner_team_id   uuid REFERENCES teams (id) ON DELETE SET NULL,
    name            text NOT NULL,
    description     text,
    category        text NOT NULL DEFAULT 'automation'
                    CHECK (category IN ('itsm', 'governance', 'automation', 'remediation', 'notification')),
    definition      jsonb NOT NULL DEFAULT '{}'::jsonb,
    version         integer NOT NULL DEFAULT 1 CHECK (version >= 1),
    status          text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'active', 'disabled', 'archived')),
    created_by      uuid,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);

CREATE UNIQUE INDEX IF NOT EXISTS uq_workflows_tenant_name_version ON workflows (tenant_id, name, version);
CREATE INDEX IF NOT EXISTS idx_workflows_organization_id ON workflows (organization_id);
CREATE INDEX IF NOT EXISTS idx_workflows_owner_team_id ON workflows (owner_team_id);

CREATE TABLE IF NOT EXISTS incidents (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id        uuid NOT NULL,
    -- Incidents are records, not permissions: keep them when an organization goes.
    organization_id  uuid REFERENCES organizations (id) ON DELETE SET NULL,
    -- Human-facing reference (e.g. INC0001234), allocated by the application.
    number           text NOT NULL,
    title            text NOT NULL,
    description      text,
    status           text NOT NULL DEFAULT 'new'
                     CHECK (status IN ('new', 'acknowledged', 'in_progress', 'on_hold', 'resolved', 'closed', 'cancelled')),
    severity         text NOT NULL DEFAULT 'medium' CHECK (severity IN ('critical', 'high', 'medium', 'low', 'info')),
    priority         smallint NOT NULL DEFAULT 3 CHECK (priority BETWEEN 1 AND 5),
    source           text NOT NULL DEFAULT 'manual'
                     CHECK (source IN ('manual', 'monitoring', 'email', 'api', 'integration', 'ai_detected')),
    assigned_team_id uuid REFERENCES teams (id) ON DELETE SET NULL,
    assignee_id      uuid,
    reporter_id      uuid,
    -- Id of the mirrored record in an external ITSM tool (ServiceNow, Jira, ...).
    external_ref     text,
    metadata         jsonb NOT NULL DEFAULT '{}'::jsonb,
    acknowledged_at  timestamptz,
    resolved_at      timestamptz,
    closed_at        timestamptz,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now()
);

CREATE UNIQUE INDEX IF NOT EXISTS uq_incidents_tenant_number ON incidents (tenant_id, number);
CREATE INDEX IF NOT EXISTS idx_incidents_organization_id ON incidents (organization_id);
CREATE INDEX IF NOT EXISTS idx_incidents_assigned_team_id ON incidents (assigned_team_id);

CREATE TABLE IF NOT EXISTS change_requests (
    id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id           uuid NOT NULL,
    organization_id     uuid REFERENCES organizations (id) ON DELETE SET NULL,
    number              text NOT NULL,
    title               text NOT NULL,
    description         text,
    change_type         text NOT NULL DEFAULT 'normal' CHECK (change_type IN ('standard', 'normal', 'emergency')),
    risk_level          text NOT NULL DEFAULT 'medium' CHECK (risk_level IN ('low', 'medium', 'high', 'critical')),
    status              text NOT NULL DEFAULT 'draft'
                        CHECK (status IN ('draft', 'pending_approval', 'approved', 'rejected', 'scheduled',
                                          'in_progress', 'completed', 'failed', 'cancelled')),
    -- The incident that prompted the change, if any.
    incident_id         uuid REFERENCES incidents (id) ON DELETE SET NULL,
    assigned_team_id    uuid REFERENCES teams (id) ON DELETE SET NULL,
    requested_by        uuid NOT NULL,
    implementation_plan text,
    rollback_plan       text,
    planned_start_at    timestamptz,
    planned_end_at      timestamptz,
    actual_start_at     timestamptz,
    actual_end_at       timestamptz,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
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
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id     uuid NOT NULL,
    workflow_id   uuid REFERENCES workflows (id) ON DELETE SET NULL,
    incident_id   uuid REFERENCES incidents (id) ON DELETE SET NULL,
    job_type      text NOT NULL,
    parameters    jsonb NOT NULL DEFAULT '{}'::jsonb,
    status        text NOT NULL DEFAULT 'queued'
                  CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'cancelled', 'timed_out')),
    result        jsonb,
    -- NULL means "as soon as a worker is free".
    scheduled_for timestamptz,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX IF NOT EXISTS idx_automation_jobs_workflow_id ON automation_jobs (workflow_id);
CREATE INDEX IF NOT EXISTS idx_automation_jobs_incident_id ON automation_jobs (incident_id);

-- Governance: which actions need approval, by whom, and the resulting requests
-- and decisions.
CREATE TABLE IF NOT EXISTS approval_policies (
    id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id           uuid NOT NULL,
    -- NULL means tenant-wide. CASCADE rather than SET NULL so that deleting an
    -- organization can never turn its policy into a tenant-wide one.
    organization_id     uuid REFERENCES organizations (id) ON DELETE CASCADE,
    name                text NOT NULL,
    description         text,
    resource_type       text NOT NULL
                        CHECK (resource_type IN ('change_request', 'automation_job', 'workflow', 'remediation', 'credential_access')),
    -- Requests at or above this risk level need approval.
    min_risk_level      text NOT NULL DEFAULT 'high' CHECK (min_risk_level IN ('low', 'medium', 'high', 'critical')),
    required_approvals  integer NOT NULL DEFAULT 1 CHECK (required_approvals >= 1),
    approver_team_id    uuid REFERENCES teams (id) ON DELETE SET NULL,
    allow_self_approval boolean NOT NULL DEFAULT false,
    timeout_minutes     integer CHECK (timeout_minutes > 0),
    conditions          jsonb NOT NULL DEFAULT '{}'::jsonb,
    is_enabled          boolean NOT NULL DEFAULT true,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now()
);

CREATE UNIQUE INDEX IF NOT EXISTS uq_approval_policies_tenant_name ON approval_policies (tenant_id, name);
CREATE INDEX IF NOT EXISTS idx_approval_policies_organization_id ON approval_policies (organization_id);
CREATE INDEX IF NOT EXISTS idx_approval_policies_approver_team_id ON approval_policies (approver_team_id);

CREATE TABLE IF NOT EXISTS approval_requests (
    id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id          uuid NOT NULL,
    -- NULL for ad-hoc requests raised without a policy.
    policy_id          uuid REFERENCES approval_policies (id) ON DELETE SET NULL,
    -- Polymorphic target (change request, automation job, ...): no FK possible.
    resource_type      text NOT NULL
                       CHECK (resource_type IN ('change_request', 'automation_job', 'workflow', 'remediation', 'credential_access')),
    resource_id        uuid NOT NULL,
    title              text NOT NULL,
    justification      text,
    risk_level         text NOT NULL DEFAULT 'medium' CHECK (risk_level IN ('low', 'medium', 'high', 'critical')),
    status             text NOT NULL DEFAULT 'pending'
                       CHECK (status IN ('pending', 'approved', 'rejected', 'expired', 'cancelled')),
    -- Copied from the policy when the request is raised, so later policy edits
    -- do not change the rules for requests already in flight.
    required_approvals integer NOT NULL DEFAULT 1 CHECK (required_approvals >= 1),
    requested_by       uuid NOT NULL,
    expires_at         timestamptz,
    resolved_at        timestamptz,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX IF NOT EXISTS idx_approval_requests_tenant_status ON approval_requests (tenant_id, status);
CREATE INDEX IF NOT EXISTS idx_approval_requests_resource ON approval_requests (resource_type, resource_id);
CREATE INDEX IF NOT EXISTS idx_approval_requests_policy_id ON approval_requests (policy_id);

-- Decisions are an audit trail: rows are never updated, hence no updated_at.
CREATE TABLE IF NOT EXISTS approval_decisions (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id   uuid NOT NULL,
    request_id  uuid NOT NULL REFERENCES approval_requests (id) ON DELETE CASCADE,
    approver_id uuid NOT NULL,
    decision    text NOT NULL CHECK (decision IN ('approved', 'rejected')),
    comment     text,
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- One vote per approver per request.
CREATE UNIQUE INDEX IF NOT EXISTS uq_approval_decisions_request_approver ON approval_decisions (request_id, approver_id);
CREATE INDEX IF NOT EXISTS idx_approval_decisions_tenant_approver ON approval_decisions (tenant_id, approver_id);
