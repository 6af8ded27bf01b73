-- 2009 add_autonomous_pipeline (SQLite)
-- The autonomous remediation pipeline: an incident or event enters, the
-- pipeline walks it through detect -> triage -> diagnose -> plan -> approve
-- -> execute -> verify (with rollback on failure), and records every stage so
-- operators can audit what the AI did and why.
-- Runbooks, the catalogue the pipeline picks remediations from, are created
-- here because the pipeline is their first consumer.
-- Same tables, columns and index names as the PostgreSQL file (type mapping
-- as described in 2001).

CREATE TABLE IF NOT EXISTS runbooks (
    id               TEXT PRIMARY KEY NOT NULL DEFAULT (lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6)))),
    tenant_id        TEXT NOT NULL,
    name             TEXT NOT NULL,
    description      TEXT,
    category         TEXT,
    -- Human-readable procedure (ordered steps with commands and checks).
    content          TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(content)),
    -- The executable implementation, if the runbook is automated.
    workflow_id      TEXT REFERENCES workflows (id) ON DELETE SET NULL,
    risk_level       TEXT NOT NULL DEFAULT 'medium' CHECK (risk_level IN ('low', 'medium', 'high', 'critical')),
    -- Off by default: running without a human in the loop is an explicit opt-in.
    allow_autonomous INTEGER NOT NULL DEFAULT 0 CHECK (allow_autonomous IN (0, 1)),
    is_enabled       INTEGER NOT NULL DEFAULT 1 CHECK (is_enabled IN (0, 1)),
    version          INTEGER NOT NULL DEFAULT 1 CHECK (version >= 1),
    created_by       TEXT,
    created_at       TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at       TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

CREATE UNIQUE INDEX IF NOT EXISTS uq_runbooks_tenant_name ON runbooks (tenant_id, name);
CREATE INDEX IF NOT EXISTS idx_runbooks_workflow_id ON runbooks (workflow_id);

CREATE TABLE IF NOT EXISTS autonomous_pipeline_runs (
    id               TEXT PRIMARY KEY NOT NULL DEFAULT (lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6)))),
    tenant_id        TEXT NOT NULL,
    -- Runs are an audit record, so they outlive the incident, event and
    -- runbook they point at.
    incident_id      TEXT REFERENCES incidents (id) ON DELETE SET NULL,
    -- Events are pruned by retention long before pipeline history is.
    trigger_event_id TEXT REFERENCES oes_events (id) ON DELETE SET NULL,
    runbook_id       TEXT REFERENCES runbooks (id) ON DELETE SET NULL,
    status           TEXT NOT NULL DEFAULT 'pending'
                     CHECK (status IN ('pending', 'running', 'awaiting_approval', 'succeeded', 'failed',
                                       'cancelled', 'rolled_back')),
    current_stage    TEXT
                     CHECK (current_stage IN ('detect', 'triage', 'diagnose', 'plan', 'approve', 'execute',
                                              'verify', 'rollback')),
    -- How much the pipeline may do on its own for this run:
    -- observe (diagnose only) < recommend < supervised (act after approval) < autonomous.
    autonomy_level   TEXT NOT NULL DEFAULT 'supervised'
                     CHECK (autonomy_level IN ('observe', 'recommend', 'supervised', 'autonomous')),
    -- Model confidence in the diagnosis and plan, 0..1.
    confidence       NUMERIC CHECK (confidence >= 0 AND confidence <= 1),
    risk_level       TEXT CHECK (risk_level IN ('low', 'medium', 'high', 'critical')),
    diagnosis        TEXT CHECK (diagnosis IS NULL OR json_valid(diagnosis)),
    plan             TEXT CHECK (plan IS NULL OR json_valid(plan)),
    outcome          TEXT CHECK (outcome IS NULL OR json_valid(outcome)),
    error            TEXT,
    started_at       TEXT,
    finished_at      TEXT,
    created_at       TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at       TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

CREATE INDEX IF NOT EXISTS idx_autonomous_pipeline_runs_tenant_status ON autonomous_pipeline_runs (tenant_id, status);
CREATE INDEX IF NOT EXISTS idx_autonomous_pipeline_runs_incident_id ON autonomous_pipeline_runs (incident_id);
CREATE INDEX IF NOT EXISTS idx_autonomous_pipeline_runs_trigger_event_id ON autonomous_pipeline_runs (trigger_event_id);
CREATE INDEX IF NOT EXISTS idx_autonomous_pipeline_runs_runbook_id ON autonomous_pipeline_runs (runbook_id);

CREATE TABLE IF NOT EXISTS autonomous_pipeline_stages (
    id                TEXT PRIMARY KEY NOT NULL DEFAULT (lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6)))),
    tenant_id         TEXT NOT NULL,
    run_id            TEXT NOT NULL REFERENCES autonomous_pipeline_runs (id) ON DELETE CASCADE,
    stage             TEXT NOT NULL
                      CHECK (stage IN ('detect', 'triage', 'diagnose', 'plan', 'approve', 'execute', 'verify', 'rollback')),
    -- Order within the run. A stage can repeat (e.g. diagnose again after a
    -- failed verify), so stage alone is not unique.
    position          INTEGER NOT NULL CHECK (position >= 0),
    status            TEXT NOT NULL DEFAULT 'pending'
                      CHECK (status IN ('pending', 'running', 'succeeded', 'failed', 'skipped')),
    input             TEXT CHECK (input IS NULL OR json_valid(input)),
    output            TEXT CHECK (output IS NULL OR json_valid(output)),
    error             TEXT,
    -- The queued job that carried out an execute or rollback stage.
    automation_job_id TEXT REFERENCES automation_jobs (id) ON DELETE SET NULL,
    started_at        TEXT,
    finished_at       TEXT,
    created_at        TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at        TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

CREATE UNIQUE INDEX IF NOT EXISTS uq_autonomous_pipeline_stages_run_position ON autonomous_pipeline_stages (run_id, position);
CREATE INDEX IF NOT EXISTS idx_autonomous_pipeline_stages_automation_job_id ON autonomous_pipeline_stages (automation_job_id);

CREATE TABLE IF NOT EXISTS autonomous_pipeline_approvals (
    id                  TEXT PRIMARY KEY NOT NULL DEFAULT (lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6)))),
    tenant_id           TEXT NOT NULL,
    run_id              TEXT NOT NULL REFERENCES autonomous_pipeline_runs (id) ON DELETE CASCADE,
    stage_id            TEXT REFERENCES autonomous_pipeline_stages (id) ON DELETE CASCADE,
    -- Set when the gate is routed through a governance approval policy (2001).
    approval_request_id TEXT REFERENCES approval_requests (id) ON DELETE SET NULL,
    status              TEXT NOT NULL DEFAULT 'pending'
                        CHECK (status IN ('pending', 'approved', 'rejected', 'expired', 'auto_approved')),
    expires_at          TEXT,
    -- NULL for auto_approved (policy allowed the pipeline to proceed alone).
    decided_by          TEXT,
    decided_at          TEXT,
    reason              TEXT,
    created_at          TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at          TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

CREATE INDEX IF NOT EXISTS idx_autonomous_pipeline_approvals_tenant_status ON autonomous_pipeline_approvals (tenant_id, status);
CREATE INDEX IF NOT EXISTS idx_autonomous_pipeline_approvals_run_id ON autonomous_pipeline_approvals (run_id);
CREATE INDEX IF NOT EXISTS idx_autonomous_pipeline_approvals_stage_id ON autonomous_pipeline_approvals (stage_id);
CREATE INDEX IF NOT EXISTS idx_autonomous_pipeline_approvals_approval_request_id
    ON autonomous_pipeline_approvals (approval_request_id);
