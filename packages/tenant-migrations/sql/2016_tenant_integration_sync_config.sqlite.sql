-- 2016 tenant_integration_sync_config (SQLite)
-- Per-integration sync scheduling. Each connected integration (ServiceNow,
-- Jira, PagerDuty, a cloud account, ...) syncs one or more resource types on
-- its own schedule. The sync worker resumes from a provider cursor rather
-- than re-reading everything, and backs off on repeated failures, so the
-- cursor and the failure streak are stored per sync config.
-- The integrations table is created here because sync is the first feature
-- that needs integrations as rows.
-- Same tables, columns and index names as the PostgreSQL file (type mapping
-- as described in 2001).

CREATE TABLE IF NOT EXISTS integrations (
    id            TEXT PRIMARY KEY NOT NULL DEFAULT (lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6)))),
    tenant_id     TEXT NOT NULL,
    -- 'servicenow', 'jira', 'pagerduty', 'datadog', 'aws', ... Free text so a
    -- new connector does not need a migration.
    provider      TEXT NOT NULL,
    name          TEXT NOT NULL,
    status        TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disabled', 'error')),
    base_url      TEXT,
    -- Connection secrets stay in the vault.
    credential_id TEXT REFERENCES vault_credentials (id) ON DELETE SET NULL,
    -- Non-secret connector settings.
    config        TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(config)),
    created_by    TEXT,
    created_at    TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at    TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

CREATE UNIQUE INDEX IF NOT EXISTS uq_integrations_tenant_name ON integrations (tenant_id, name);
CREATE INDEX IF NOT EXISTS idx_integrations_tenant_provider ON integrations (tenant_id, provider);
CREATE INDEX IF NOT EXISTS idx_integrations_credential_id ON integrations (credential_id);

CREATE TABLE IF NOT EXISTS integration_sync_configs (
    id                     TEXT PRIMARY KEY NOT NULL DEFAULT (lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6)))),
    tenant_id              TEXT NOT NULL,
    integration_id         TEXT NOT NULL REFERENCES integrations (id) ON DELETE CASCADE,
    -- What is synced: 'incidents', 'changes', 'cmdb_items', 'alerts', ...
    resource_type          TEXT NOT NULL,
    direction              TEXT NOT NULL DEFAULT 'inbound' CHECK (direction IN ('inbound', 'outbound', 'bidirectional')),
    -- Exactly one of a cron schedule or a fixed interval (CHECK below).
    schedule_cron          TEXT CHECK (trim(schedule_cron) <> ''),
    -- At least a minute: provider APIs rate-limit harder than that.
    interval_seconds       INTEGER CHECK (interval_seconds >= 60),
    is_enabled             INTEGER NOT NULL DEFAULT 1 CHECK (is_enabled IN (0, 1)),
    -- Opaque resume point from the provider (page token, high-water mark).
    -- NULL means the next sync is a full sync.
    sync_cursor            TEXT,
    -- Field mapping between the provider's records and ours.
    field_mappings         TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(field_mappings)),
    last_sync_started_at   TEXT,
    last_sync_finished_at  TEXT,
    last_sync_status       TEXT CHECK (last_sync_status IN ('running', 'succeeded', 'partial', 'failed')),
    last_sync_error        TEXT,
    last_sync_record_count INTEGER CHECK (last_sync_record_count >= 0),
    -- Drives exponential backoff. Reset to 0 on success.
    consecutive_failures   INTEGER NOT NULL DEFAULT 0 CHECK (consecutive_failures >= 0),
    next_sync_at           TEXT,
    created_at             TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at             TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    CHECK ((schedule_cron IS NULL) <> (interval_seconds IS NULL))
);

CREATE UNIQUE INDEX IF NOT EXISTS uq_integration_sync_configs_integration_resource_direction
    ON integration_sync_configs (integration_id, resource_type, direction);
CREATE INDEX IF NOT EXISTS idx_integration_sync_configs_tenant_status
    ON integration_sync_configs (tenant_id, last_sync_status);
-- The sync scheduler's poll: enabled configs that are due.
CREATE INDEX IF NOT EXISTS idx_integration_sync_configs_due ON integration_sync_configs (next_sync_at) WHERE is_enabled = 1;
