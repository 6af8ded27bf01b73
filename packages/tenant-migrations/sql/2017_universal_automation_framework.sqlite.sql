-- 2017 universal_automation_framework (SQLite)
-- A step-based automation engine. An automation definition is an ordered list
-- of typed steps (script, HTTP call, Ansible, approval gate, condition, ...).
-- Each execution is a run, and each step execution (per attempt and per
-- target host) is a step run, so partial failures, retries and fan-out
-- across hosts are all visible.
-- Definitions are versioned by inserting a new row per version. Runs keep
-- pointing at the exact version and steps they executed, so definitions and
-- steps that have runs cannot be deleted (ON DELETE RESTRICT). Retire them
-- with status 'archived' instead.
-- Same tables, columns and index names as the PostgreSQL file (type mapping
-- as described in 2001).

CREATE TABLE IF NOT EXISTS automation_definitions (
    id              TEXT PRIMARY KEY NOT NULL DEFAULT (lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6)))),
    tenant_id       TEXT NOT NULL,
    -- NULL means tenant-wide. CASCADE so a deleted organization's automations
    -- do not become tenant-wide.
    organization_id TEXT REFERENCES organizations (id) ON DELETE CASCADE,
    name            TEXT NOT NULL,
    description     TEXT,
    trigger_type    TEXT NOT NULL DEFAULT 'manual'
                    CHECK (trigger_type IN ('manual', 'schedule', 'event', 'webhook', 'api', 'workflow')),
    -- Cron for 'schedule', event filter for 'event', and so on.
    trigger_config  TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(trigger_config)),
    -- JSON Schema the run inputs are validated against.
    input_schema    TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(input_schema)),
    -- Which hosts a run targets (inventory query). Empty means no host fan-out.
    target_selector TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(target_selector)),
    version         INTEGER NOT NULL DEFAULT 1 CHECK (version >= 1),
    status          TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'active', 'disabled', 'archived')),
    -- Matched against approval_policies.min_risk_level to decide whether a run
    -- needs approval before it starts.
    risk_level      TEXT NOT NULL DEFAULT 'medium' CHECK (risk_level IN ('low', 'medium', 'high', 'critical')),
    timeout_seconds INTEGER CHECK (timeout_seconds > 0),
    created_by      TEXT,
    created_at      TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at      TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

CREATE UNIQUE INDEX IF NOT EXISTS uq_automation_definitions_tenant_name_version
    ON automation_definitions (tenant_id, name, version);
CREATE INDEX IF NOT EXISTS idx_automation_definitions_organization_id ON automation_definitions (organization_id);

CREATE TABLE IF NOT EXISTS automation_steps (
    id                    TEXT PRIMARY KEY NOT NULL DEFAULT (lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6)))),
    tenant_id             TEXT NOT NULL,
    definition_id         TEXT NOT NULL REFERENCES automation_definitions (id) ON DELETE CASCADE,
    position              INTEGER NOT NULL CHECK (position >= 0),
    -- Referenced by later steps' expressions, e.g. steps.check_disk.output.
    name                  TEXT NOT NULL,
    step_type             TEXT NOT NULL
                          CHECK (step_type IN ('script', 'http_request', 'ansible_playbook', 'terraform', 'approval',
                                               'condition', 'wait', 'notification', 'ai_action', 'sub_automation')),
    config                TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(config)),
    timeout_seconds       INTEGER CHECK (timeout_seconds > 0),
    max_retries           INTEGER NOT NULL DEFAULT 0 CHECK (max_retries >= 0),
    retry_backoff_seconds INTEGER NOT NULL DEFAULT 30 CHECK (retry_backoff_seconds >= 0),
    on_failure            TEXT NOT NULL DEFAULT 'abort' CHECK (on_failure IN ('abort', 'continue', 'rollback')),
    -- The compensating action run when a later step fails with on_failure = 'rollback'.
    rollback_config       TEXT CHECK (rollback_config IS NULL OR json_valid(rollback_config)),
    created_at            TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at            TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

CREATE UNIQUE INDEX IF NOT EXISTS uq_automation_steps_definition_position ON automation_steps (definition_id, position);
CREATE UNIQUE INDEX IF NOT EXISTS uq_automation_steps_definition_name ON automation_steps (definition_id, name);

CREATE TABLE IF NOT EXISTS automation_runs (
    id                    TEXT PRIMARY KEY NOT NULL DEFAULT (lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6)))),
    tenant_id             TEXT NOT NULL,
    definition_id         TEXT NOT NULL REFERENCES automation_definitions (id) ON DELETE RESTRICT,
    status                TEXT NOT NULL DEFAULT 'pending'
                          CHECK (status IN ('pending', 'awaiting_approval', 'running', 'succeeded', 'failed',
                                            'cancelled', 'timed_out', 'rolled_back')),
    trigger_type          TEXT NOT NULL
                          CHECK (trigger_type IN ('manual', 'schedule', 'event', 'webhook', 'api', 'workflow')),
    triggered_by_user_id  TEXT,
    -- Context the run was started from, if any. Runs are audit records and
    -- outlive these.
    incident_id           TEXT REFERENCES incidents (id) ON DELETE SET NULL,
    pipeline_run_id       TEXT REFERENCES autonomous_pipeline_runs (id) ON DELETE SET NULL,
    approval_request_id   TEXT REFERENCES approval_requests (id) ON DELETE SET NULL,
    inputs                TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(inputs)),
    outputs               TEXT CHECK (outputs IS NULL OR json_valid(outputs)),
    current_step_position INTEGER,
    error                 TEXT,
    started_at            TEXT,
    finished_at           TEXT,
    created_at            TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at            TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
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
    id          TEXT PRIMARY KEY NOT NULL DEFAULT (lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6)))),
    tenant_id   TEXT NOT NULL,
    run_id      TEXT NOT NULL REFERENCES automation_runs (id) ON DELETE CASCADE,
    step_id     TEXT NOT NULL REFERENCES automation_steps (id) ON DELETE RESTRICT,
    -- Target host when the step fans out across hosts.
    host_id     TEXT REFERENCES hosts (id) ON DELETE SET NULL,
    attempt     INTEGER NOT NULL DEFAULT 1 CHECK (attempt >= 1),
    status      TEXT NOT NULL DEFAULT 'pending'
                CHECK (status IN ('pending', 'running', 'succeeded', 'failed', 'skipped', 'cancelled', 'timed_out')),
    input       TEXT CHECK (input IS NULL OR json_valid(input)),
    output      TEXT CHECK (output IS NULL OR json_valid(output)),
    exit_code   INTEGER,
    error       TEXT,
    -- Tail of the step's output. Full logs go to log_entries.
    log_excerpt TEXT,
    started_at  TEXT,
    finished_at TEXT,
    created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

CREATE INDEX IF NOT EXISTS idx_automation_step_runs_run_step ON automation_step_runs (run_id, step_id);
CREATE INDEX IF NOT EXISTS idx_automation_step_runs_step_id ON automation_step_runs (step_id);
CREATE INDEX IF NOT EXISTS idx_automation_step_runs_host_id ON automation_step_runs (host_id);
CREATE INDEX IF NOT EXISTS idx_automation_step_runs_tenant_status ON automation_step_runs (tenant_id, status);
