-- 2017 universal_automation_framework
-- A step-based automation engine. An automation definition is an ordered list
-- of typed steps (script, HTTP call, Ansible, approval gate, condition, ...).
-- Each execution is a run, and each step execution (per attempt and per
-- target host) is a step run, so partial failures, retries and fan-out
-- across hosts are all visible.
-- Definitions are versioned by inserting a new row per version. Runs keep
-- pointing at the exact version and steps they executed, so definitions and
-- steps that have runs cannot be deleted (ON DELETE RESTRICT). Retire them
-- with status 'archived' instead.

CREATE TABLE IF NOT EXISTS automation_definitions (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id       uuid NOT NULL,
    -- NULL means tenant-wide. CASCADE so a deleted organization's automations
    -- do not become tenant-wide.
    organization_id uuid REFERENCES organizations (id) ON DELETE CASCADE,
    name            text NOT NULL,
    description     text,
    trigger_type    text NOT NULL DEFAULT 'manual'
                    CHECK (trigger_type IN ('manual', 'schedule', 'event', 'webhook', 'api', 'workflow')),
    -- Cron for 'schedule', event filter for 'event', and so on.
    trigger_config  jsonb NOT NULL DEFAULT '{}'::jsonb,
    -- JSON Schema the run inputs are validated against.
    input_schema    jsonb NOT NULL DEFAULT '{}'::jsonb,
    -- Which hosts a run targets (inventory query). Empty means no host fan-out.
    target_selector jsonb NOT NULL DEFAULT '{}'::jsonb,
    version         integer NOT NULL DEFAULT 1 CHECK (version >= 1),
    status          text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'active', 'disabled', 'archived')),
    -- Matched against approval_policies.min_risk_level to decide whether a run
    -- needs approval before it starts.
    risk_level      text NOT NULL DEFAULT 'medium' CHECK (risk_level IN ('low', 'medium', 'high', 'critical')),
    timeout_seconds integer CHECK (timeout_seconds > 0),
    created_by      uuid,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);

CREATE UNIQUE INDEX IF NOT EXISTS uq_automation_definitions_tenant_name_version
    ON automation_definitions (tenant_id, name, version);
CREATE INDEX IF NOT EXISTS idx_automation_definitions_organization_id ON automation_definitions (organization_id);

CREATE TABLE IF NOT EXISTS automation_steps (
    id                    uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id             uuid NOT NULL,
    definition_id         uuid NOT NULL REFERENCES automation_definitions (id) ON DELETE CASCADE,
    position              integer NOT NULL CHECK (position >= 0),
    -- Referenced by later steps' expressions, e.g. steps.check_disk.output.
    name                  text NOT NULL,
    step_type             text NOT NULL
                          CHECK (step_type IN ('script', 'http_request', 'ansible_playbook', 'terraform', 'approval',
                                               'condition', 'wait', 'notification', 'ai_action', 'sub_automation')),
    config                jsonb NOT NULL DEFAULT '{}'::jsonb,
    timeout_seconds       integer CHECK (timeout_seconds > 0),
    max_retries           integer NOT NULL DEFAULT 0 CHECK (max_retries >= 0),
    retry_backoff_seconds integer NOT NULL DEFAULT 30 CHECK (retry_backoff_seconds >= 0),
    on_failure            text NOT NULL DEFAULT 'abort' CHECK (on_failure IN ('abort', 'continue', 'rollback')),
    -- The compensating action run when a later step fails with on_failure = 'rollback'.
    rollback_config       jsonb,
    created_at            timestamptz NOT NULL DEFAULT now(),
    updated_at            timestamptz NOT NULL DEFAULT now()
);

CREATE UNIQUE INDEX IF NOT EXISTS uq_automation_steps_definition_position ON automation_steps (definition_id, position);
CREATE UNIQUE INDEX IF NOT EXISTS uq_automation_steps_definition_name ON automation_steps (definition_id, name);

CREATE TABLE IF NOT EXISTS automation_runs (
    id                    uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id             uuid NOT NULL,
    definition_id         uuid NOT NULL REFERENCES automation_definitions (id) ON DELETE RESTRICT,
    status                text NOT NULL DEFAULT 'pending'
                          CHECK (status IN ('pending', 'awaiting_approval', 'running', 'succeeded', 'failed',
                                            'cancelled', 'timed_out', 'rolled_back')),
    trigger_type          text NOT NULL
                          CHECK (trigger_type IN ('manual', 'schedule', 'event', 'webhook', 'api', 'workflow')),
    triggered_by_user_id  uuid,
    -- Context the run was started from, if any. Runs are audit records and
    -- outlive these.
    incident_id           uuid REFERENCES incidents (id) ON DELETE SET NULL,
    pipeline_run_id       uuid REFERENCES autonomous_pipeline_runs (id) ON DELETE SET NULL,
    approval_request_id   uuid REFERENCES approval_requests (id) ON DELETE SET NULL,
    inputs                jsonb NOT NULL DEFAULT '{}'::jsonb,
    outputs               jsonb,
    current_step_position integer,
    error                 text,
    started_at            timestamptz,
    finished_at           timestamptz,
    created_at            timestamptz NOT NULL DEFAULT now(),
    updated_at            timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX IF NOT EXISTS idx_automation_runs_tenant_status ON automation_runs (tenant_id, status);
-- Run history of one definition, newest first.
CREATE INDEX IF NOT EXISTS idx_automation_runs_definition_created ON automation_runs (definition_id, created_at);
CREATE INDEX IF NOT EXISTS idx_automation_runs_incident_id ON automation_runs (incident_id);
CREATE INDEX IF NOT EXISTS idx_automation_runs_pipeline_run_id ON automation_runs (pipeline_run_id);
CREATE INDEX IF NOT EXISTS idx_automation_runs_approval_request_id ON automation_runs (approval_request_id);

-- No unique (run, step, host, attempt): host_id is NULL for steps without a
-- target, and NULLs never collide in a unique index on either dialect.
-- The engine allocates attempts.
CREATE TABLE IF NOT EXISTS automation_step_runs (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id   uuid NOT NULL,
    run_id      uuid NOT NULL REFERENCES automation_runs (id) ON DELETE CASCADE,
    step_id     uuid NOT NULL REFERENCES automation_steps (id) ON DELETE RESTRICT,
    -- Target host when the step fans out across hosts.
    host_id     uuid REFERENCES hosts (id) ON DELETE SET NULL,
    attempt     integer NOT NULL DEFAULT 1 CHECK (attempt >= 1),
    status      text NOT NULL DEFAULT 'pending'
                CHECK (status IN ('pending', 'running', 'succeeded', 'failed', 'skipped', 'cancelled', 'timed_out')),
    input       jsonb,
    output      jsonb,
    exit_code   integer,
    error       text,
    -- Tail of the step's output. Full logs go to log_entries.
    log_excerpt text,
    started_at  timestamptz,
    finished_at timestamptz,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX IF NOT EXISTS idx_automation_step_runs_run_step ON automation_step_runs (run_id, step_id);
CREATE INDEX IF NOT EXISTS idx_automation_step_runs_step_id ON automation_step_runs (step_id);
CREATE INDEX IF NOT EXISTS idx_automation_step_runs_host_id ON automation_step_runs (host_id);
CREATE INDEX IF NOT EXISTS idx_automation_step_runs_tenant_status ON automation_step_runs (tenant_id, status);
