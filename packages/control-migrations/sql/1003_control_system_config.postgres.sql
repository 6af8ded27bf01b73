-- 1003 control_system_config (PostgreSQL)
-- Runtime-tunable platform settings (feature flags, default limits, maintenance banners, ...)
-- as a key-value store, so operators can change them without a deploy.
-- Values are JSON so one table holds numbers, strings, flags and structured settings alike.
-- Secrets do not belong here (they live in the secret manager), is_sensitive only tells the
-- admin UI to mask a value.

CREATE TABLE IF NOT EXISTS system_config (
    -- Dotted lowercase namespace, e.g. 'billing.trial_days'.
    key          text        NOT NULL CHECK (key ~ '^[a-z0-9_.-]+$' AND length(key) <= 200),
    value        jsonb       NOT NULL,
    description  text,
    is_sensitive boolean     NOT NULL DEFAULT false,
    -- Who last changed the value, kept when that admin is removed.
    updated_by   uuid        REFERENCES users (id) ON DELETE SET NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT system_config_pkey PRIMARY KEY (key)
);

CREATE INDEX IF NOT EXISTS ix_system_config_updated_by ON system_config (updated_by);
