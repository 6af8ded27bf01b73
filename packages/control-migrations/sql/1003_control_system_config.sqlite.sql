-- 1003 control_system_config (SQLite)
-- Runtime-tunable platform settings (feature flags, default limits, maintenance banners, ...)
-- as a key-value store, so operators can change them without a deploy.
-- Values are JSON so one table holds numbers, strings, flags and structured settings alike.
-- Secrets do not belong here (they live in the secret manager), is_sensitive only tells the
-- admin UI to mask a value.

CREATE TABLE IF NOT EXISTS system_config (
    -- Dotted lowercase namespace, e.g. 'billing.trial_days'. GLOB stands in for the
    -- PostgreSQL regular expression: no character outside [a-z0-9_.-].
    key          TEXT    NOT NULL
                         CHECK (length(key) BETWEEN 1 AND 200 AND key NOT GLOB '*[^a-z0-9_.-]*'),
    value        TEXT    NOT NULL CHECK (json_valid(value)),
    description  TEXT,
    is_sensitive INTEGER NOT NULL DEFAULT 0 CHECK (is_sensitive IN (0, 1)),
    -- Who last changed the value, kept when that admin is removed.
    updated_by   TEXT    REFERENCES users (id) ON DELETE SET NULL,
    created_at   TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at   TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    CONSTRAINT system_config_pkey PRIMARY KEY (key)
);

CREATE INDEX IF NOT EXISTS ix_system_config_updated_by ON system_config (updated_by);
