-- 2016 tenant_integration_sync_config
-- Per-integration sync scheduling. Each connected integration (ServiceNow,
-- Jira, PagerDuty, a cloud account, ...) syncs one or more resource types on
-- its own schedule. The sync worker resumes from a provider cursor rather
-- than re-reading everything, and backs off on repeated failures, so the
-- cursor and the failure streak are stored per sync config.
-- The integrations table is created here because sync is the first feature
-- that needs integrations as rows.

CREATE TABLE IF NOT EXISTS integrations (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id     uuid NOT NULL,
    -- 'servicenow', 'jira', 'pagerduty', 'datadog', 'aws', ... Free text so a
    -- new connector does not need a migration.
    provider      text NOT NULL,
    name          text NOT NULL,
    status        text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disabled', 'error')),
    base_url      text,
    -- Connection secrets stay in the vault.
    credential_id uuid REFERENCES vault_credentials (id) ON DELETE SET NULL,
    -- Non-secret connector settings.
    config        jsonb NOT NULL DEFAULT '{}'::jsonb,
    created_by    uuid,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now()
);

CREATE UNIQUE INDEX IF NOT EXISTS uq_integrations_tenant_name ON integrations (tenant_id, name);
CREATE INDEX IF NOT EXISTS idx_integrations_tenant_provider ON integrations (tenant_id, provider);
CREATE INDEX IF NOT EXISTS idx_integrations_credential_id ON integrations (credential_id);

CREATE TABLE IF NOT EXISTS integration_sync_configs (
    id                     uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id              uuid NOT NULL,
    integration_id         uuid NOT NULL REFERENCES integrations (id) ON DELETE CASCADE,
    -- What is synced: 'incidents', 'changes', 'cmdb_items', 'alerts', ...
    resource_type          text NOT NULL,
    direction              text NOT NULL DEFAULT 'inbound' CHECK (direction IN ('inbound', 'outbound', 'bidirectional')),
    -- Exactly one of a cron schedule or a fixed interval (CHECK below).
    schedule_cron          text CHECK (trim(schedule_cron) <> ''),
    -- At least a minute: provider APIs rate-limit harder than that.
    interval_seconds       integer CHECK (interval_seconds >= 60),
    is_enabled             boolean NOT NULL DEFAULT true,
    -- Opaque resume point from the provider (page token, high-water mark).
    -- NULL means the next sync is a full sync.
    sync_cursor            text,
    -- Field mapping between the provider's records and ours.
    field_mappings         jsonb NOT NULL DEFAULT '{}'::jsonb,
    last_sync_started_at   timestamptz,
    last_sync_finished_at  timestamptz,
    last_sync_status       text CHECK (last_sync_status IN ('running', 'succeeded', 'partial', 'failed')),
    last_sync_error        text,
    last_sync_record_count integer CHECK (last_sync_record_count >= 0),
    -- Drives exponential backoff. Reset to 0 on success.
    consecutive_failures   integer NOT NULL DEFAULT 0 CHECK (consecutive_failures >= 0),
    next_sync_at           timestamptz,
    created_at             timestamptz NOT NULL DEFAULT now(),
    updated_at             timestamptz NOT NULL DEFAULT now(),
    CHECK ((schedule_cron IS NULL) <> (interval_seconds IS NULL))
);

CREATE UNIQUE INDEX IF NOT EXISTS uq_integration_sync_configs_integration_resource_direction
    ON integration_sync_configs (integration_id, resource_type, direction);
CREATE INDEX IF NOT EXISTS idx_integration_sync_configs_tenant_status
    ON integration_sync_configs (tenant_id, last_sync_status);
-- The sync scheduler's poll: enabled configs that are due.
CREATE INDEX IF NOT EXISTS idx_integration_sync_configs_due ON integration_sync_configs (next_sync_at) WHERE is_enabled;
