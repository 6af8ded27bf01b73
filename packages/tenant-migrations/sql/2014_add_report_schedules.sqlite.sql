-- 2014 add_report_schedules (SQLite)
-- Scheduled reports (incident summaries, SLA compliance, automation ROI, cost,
-- compliance posture) rendered and emailed on a cron schedule. The scheduler
-- claims due rows by next_run_at and records the outcome of the last run on
-- the schedule itself, which is all the history the UI shows.
-- Same tables, columns and index names as the PostgreSQL file (type mapping
-- as described in 2001).

CREATE TABLE IF NOT EXISTS report_schedules (
    id              TEXT PRIMARY KEY NOT NULL DEFAULT (lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6)))),
    tenant_id       TEXT NOT NULL,
    -- NULL means tenant-wide. CASCADE so that deleting an organization never
    -- widens its report to tenant-wide data sent to the same recipients.
    organization_id TEXT REFERENCES organizations (id) ON DELETE CASCADE,
    name            TEXT NOT NULL,
    report_type     TEXT NOT NULL
                    CHECK (report_type IN ('incident_summary', 'sla_compliance', 'automation_roi', 'cost',
                                           'compliance', 'executive', 'custom')),
    -- Five-field cron expression, interpreted in the schedule's timezone.
    cron_expression TEXT NOT NULL CHECK (trim(cron_expression) <> ''),
    -- IANA zone name, e.g. 'Europe/Berlin'. Validated by the application.
    timezone        TEXT NOT NULL DEFAULT 'UTC',
    -- Array of email addresses.
    recipients      TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(recipients) AND json_type(recipients) = 'array'),
    format          TEXT NOT NULL DEFAULT 'pdf' CHECK (format IN ('pdf', 'csv', 'xlsx', 'html', 'json')),
    -- Report filters: time window, services, severities, ...
    parameters      TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(parameters)),
    is_enabled      INTEGER NOT NULL DEFAULT 1 CHECK (is_enabled IN (0, 1)),
    last_run_at     TEXT,
    last_run_status TEXT CHECK (last_run_status IN ('succeeded', 'failed', 'skipped')),
    last_error      TEXT,
    -- Computed by the application from cron_expression and timezone.
    next_run_at     TEXT,
    created_by      TEXT,
    created_at      TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at      TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

CREATE UNIQUE INDEX IF NOT EXISTS uq_report_schedules_tenant_name ON report_schedules (tenant_id, name);
CREATE INDEX IF NOT EXISTS idx_report_schedules_organization_id ON report_schedules (organization_id);
-- The scheduler's poll: enabled schedules that are due.
CREATE INDEX IF NOT EXISTS idx_report_schedules_due ON report_schedules (next_run_at) WHERE is_enabled = 1;
