-- 2009 add_autonomous_pipeline
-- The autonomous remediation pipeline: an incident or event enters, the
-- pipeline walks it through detect -> triage -> diagnose -> plan -> approve
-- -> execute -> verify (with rollback on failure), and records every stage so
-- operators can audit what the AI did and why.
-- Runbooks, the catalogue the pipeline picks remediations from, are created
-- here because the pipeline is their first consumer.

CREATE TABLE IF NOT EXISTS runbooks (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id        uuid NOT NULL,
    name             text NOT NULL,
    description      text,
    category         text,
    -- Human-readable procedure (ordered steps with commands and checks).
    content          jsonb NOT NULL DEFAULT '[]'::jsonb,
    -- The executable implementation, if the runbook is automated.
    workflow_id      uuid REFERENCES workflows (id) ON DELETE SET NULL,
    risk_level       text NOT NULL DEFAULT 'medium' CHECK (risk_level IN ('low', 'medium', 'high', 'critical')),
    -- Off by default: running without a human in the loop is an explicit opt-in.
    allow_autonomous boolean NOT NULL DEFAULT false,
    is_enabled       boolean NOT NULL DEFAULT true,
    version          integer NOT NULL DEFAULT 1 CHECK (version >= 1),
    created_by       uuid,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now()
);

CREATE UNIQUE INDEX IF NOT EXISTS uq_runbooks_tenant_name ON runbooks (tenant_id, name);
CREATE INDEX IF NOT EXISTS idx_runbooks_workflow_id ON runbooks (workflow_id);

CREATE TABLE IF NOT EXISTS autonomous_pipeline_runs (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id        uuid NOT NULL,
    -- Runs are an audit record, so they outlive the incident, event and
    -- runbook they point at.
    incident_id      uuid REFERENCES incidents (id) ON DELETE SET NULL,
    -- Events are pruned by retention long before pipeline history is.
    trigger_event_id uuid REFERENCES oes_events (id) ON DELETE SET NULL,
    runbook_id       uuid REFERENCES runbooks (id) ON DELETE SET NULL,
    status           text NOT NULL DEFAULT 'pending'
                     CHECK (status IN ('pending', 'running', 'awaiting_approval', 'succeeded', 'failed',
                                       'cancelled', 'rolled_back')),
    current_stage    text
                     CHECK (current_stage IN ('detect', 'triage', 'diagnose', 'plan', 'approve', 'execute',
                                              'verify', 'rollback')),
    -- How much the pipeline may do on its own for this run:
    -- observe (diagnose only) < recommend < supervised (act after approval) < autonomous.
    autonomy_level   text NOT NULL DEFAULT 'supervised'
                     CHECK (autonomy_level IN ('observe', 'recommend', 'supervised', 'autonomous')),
    -- Model confidence in the diagnosis and plan, 0..1.
    confidence       numeric(5, 4) CHECK (confidence >= 0 AND confidence <= 1),
    risk_level       text CHECK (risk_level IN ('low', 'medium', 'high', 'critical')),
    diagnosis        jsonb,
    plan             jsonb,
    outcome          jsonb,
    error            text,
    started_at       timestamptz,
    finished_at      timestamptz,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX IF NOT EXISTS idx_autonomous_pipeline_runs_tenant_status ON autonomous_pipeline_runs (tenant_id, status);
CREATE INDEX IF NOT EXISTS idx_autonomous_pipeline_runs_incident_id ON autonomous_pipeline_runs (incident_id);
CREATE INDEX IF NOT EXISTS idx_autonomous_pipeline_runs_trigger_event_id ON autonomous_pipeline_runs (trigger_event_id);
CREATE INDEX IF NOT EXISTS idx_autonomous_pipeline_runs_runbook_id ON autonomous_pipeline_runs (runbook_id);

CREATE TABLE IF NOT EXISTS autonomous_pipeline_stages (
    id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id         uuid NOT NULL,
    run_id            uuid NOT NULL REFERENCES autonomous_pipeline_runs (id) ON DELETE CASCADE,
    stage             text NOT NULL
                      CHECK (stage IN ('detect', 'triage', 'diagnose', 'plan', 'approve', 'execute', 'verify', 'rollback')),
    -- Order within the run. A stage can repeat (e.g. diagnose again after a
    -- failed verify), so stage alone is not unique.
    position          integer NOT NULL CHECK (position >= 0),
    status            text NOT NULL DEFAULT 'pending'
                      CHECK (status IN ('pending', 'running', 'succeeded', 'failed', 'skipped')),
    input             jsonb,
    output            jsonb,
    error             text,
    -- The queued job that carried out an execute or rollback stage.
    automation_job_id uuid REFERENCES automation_jobs (id) ON DELETE SET NULL,
    started_at        timestamptz,
    finished_at       timestamptz,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now()
);

CREATE UNIQUE INDEX IF NOT EXISTS uq_autonomous_pipeline_stages_run_position ON autonomous_pipeline_stages (run_id, position);
CREATE INDEX IF NOT EXISTS idx_autonomous_pipeline_stages_automation_job_id ON autonomous_pipeline_stages (automation_job_id);

CREATE TABLE IF NOT EXISTS autonomous_pipeline_approvals (
    id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id           uuid NOT NULL,
    run_id              uuid NOT NULL REFERENCES autonomous_pipeline_runs (id) ON DELETE CASCADE,
    stage_id            uuid REFERENCES autonomous_pipeline_stages (id) ON DELETE CASCADE,
    -- Set when the gate is routed through a governance approval policy (2001).
    approval_request_id uuid REFERENCES approval_requests (id) ON DELETE SET NULL,
    status              text NOT NULL DEFAULT 'pending'
                        CHECK (status IN ('pending', 'approved', 'rejected', 'expired', 'auto_approved')),
    expires_at          timestamptz,
    -- NULL for auto_approved (policy allowed the pipeline to proceed alone).
    decided_by          uuid,
    decided_at          timestamptz,
    reason              text,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX IF NOT EXISTS idx_autonomous_pipeline_approvals_tenant_status ON autonomous_pipeline_approvals (tenant_id, status);
CREATE INDEX IF NOT EXISTS idx_autonomous_pipeline_approvals_run_id ON autonomous_pipeline_approvals (run_id);
CREATE INDEX IF NOT EXISTS idx_autonomous_pipeline_approvals_stage_id ON autonomous_pipeline_approvals (stage_id);
CREATE INDEX IF NOT EXISTS idx_autonomous_pipeline_approvals_approval_request_id
    ON autonomous_pipeline_approvals (approval_request_id);
