-- 2014 add_report_schedules
-- Scheduled reports (incident summaries, SLA compliance, automation ROI, cost,
-- compliance posture) rendered and emailed on a cron schedule. The scheduler
-- claims due rows by next_run_at and records the outcome of the last run on
-- the schedule itself, which is all the history the UI shows.

CREATE TABLE IF NOT EXISTS report_schedules (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id       uuid NOT NULL,
    -- NULL means tenant-wide. CASCADE so that deleting an organization never
    -- widens its report to tenant-wide data sent to the same recipients.
    organization_id uuid REFERENCES organizations (id) ON DELETE CASCADE,
    name            text NOT NULL,
    report_type     text NOT NULL
                    CHECK (report_type IN ('incident_summary', 'sla_compliance', 'automation_roi', 'cost',
                                           'compliance', 'executive', 'custom')),
    -- Five-field cron expression, interpreted in the schedule's timezone.
    cron_expression text NOT NULL CHECK (trim(cron_expression) <> ''),
    -- IANA zone name, e.g. 'Europe/Berlin'. Validated by the application: a
    -- CHECK cannot consult pg_timezone_names.
    timezone        text NOT NULL DEFAULT 'UTC',
    -- Array of email addresses.
    recipients      jsonb NOT NULL DEFAULT '[]'::jsonb CHECK (jsonb_typeof(recipients) = 'array'),
    format          text NOT NULL DEFAULT 'pdf' CHECK (format IN ('pdf', 'csv', 'xlsx', 'html', 'json')),
    -- Report filters: time window, services, severities, ...
    parameters      jsonb NOT NULL DEFAULT '{}'::jsonb,
    is_enabled      boolean NOT NULL DEFAULT true,
    last_run_at     timestamptz,
    last_run_status text CHECK (last_run_status IN ('succeeded', 'failed', 'skipped')),
    last_error      text,
    -- Computed by the application from cron_expression and timezone.
    next_run_at     timestamptz,
    created_by      uuid,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);

CREATE UNIQUE INDEX IF NOT EXISTS uq_report_schedules_tenant_name ON report_schedules (tenant_id, name);
CREATE INDEX IF NOT EXISTS idx_report_schedules_organization_id ON report_schedules (organization_id);
-- The scheduler's poll: enabled schedules that are due.
CREATE INDEX IF NOT EXISTS idx_report_schedules_due ON report_schedules (next_run_at) WHERE is_enabled;
