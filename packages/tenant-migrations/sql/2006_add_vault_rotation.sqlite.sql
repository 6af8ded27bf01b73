-- 2006 add_vault_rotation (SQLite)
-- Rotation tracking for the credential vault: a per-credential schedule and
-- status, plus a history of every rotation attempt for audit and rollback.
--
-- The vault table itself is created here if it is missing. The rotation
-- columns are then added with ALTER rather than folded into CREATE TABLE:
-- on a database whose credential store predates this registry, CREATE TABLE
-- IF NOT EXISTS is a no-op, and the ALTERs still bring the table up to shape.
-- On a re-run the ALTERs fail with "duplicate column name", which the engine
-- skips.

CREATE TABLE IF NOT EXISTS vault_credentials (
    id              TEXT PRIMARY KEY NOT NULL DEFAULT (lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6)))),
    tenant_id       TEXT NOT NULL,
    name            TEXT NOT NULL,
    credential_type TEXT NOT NULL
                    CHECK (credential_type IN ('password', 'ssh_key', 'api_token', 'certificate', 'oauth_client',
                                               'cloud_access_key', 'database', 'other')),
    description     TEXT,
    -- Pointer into the secret backend (envelope-encrypted blob or external
    -- vault path). Plaintext secrets are never stored in this database.
    secret_ref      TEXT NOT NULL,
    metadata        TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(metadata)),
    owner_team_id   TEXT REFERENCES teams (id) ON DELETE SET NULL,
    expires_at      TEXT,
    created_by      TEXT,
    created_at      TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at      TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

CREATE UNIQUE INDEX IF NOT EXISTS uq_vault_credentials_tenant_name ON vault_credentials (tenant_id, name);
CREATE INDEX IF NOT EXISTS idx_vault_credentials_owner_team_id ON vault_credentials (owner_team_id);

-- NULL interval means the credential is only rotated by hand.
ALTER TABLE vault_credentials ADD COLUMN rotation_interval_days INTEGER CHECK (rotation_interval_days > 0);
ALTER TABLE vault_credentials ADD COLUMN last_rotated_at TEXT;
ALTER TABLE vault_credentials ADD COLUMN next_rotation_at TEXT;
ALTER TABLE vault_credentials ADD COLUMN rotation_status TEXT NOT NULL DEFAULT 'manual'
    CHECK (rotation_status IN ('manual', 'scheduled', 'rotating', 'failed'));
ALTER TABLE vault_credentials ADD COLUMN last_rotation_error TEXT;

-- The rotation scheduler scans for due credentials. Credentials without a
-- schedule are the majority and never match, so they stay out of the index.
CREATE INDEX IF NOT EXISTS idx_vault_credentials_next_rotation ON vault_credentials (next_rotation_at)
    WHERE next_rotation_at IS NOT NULL;

-- One row per rotation attempt. Append-only audit trail apart from the
-- attempt's own completion, hence finished_at instead of updated_at.
CREATE TABLE IF NOT EXISTS vault_credential_rotations (
    id                  TEXT PRIMARY KEY NOT NULL DEFAULT (lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6)))),
    tenant_id           TEXT NOT NULL,
    credential_id       TEXT NOT NULL REFERENCES vault_credentials (id) ON DELETE CASCADE,
    status              TEXT NOT NULL DEFAULT 'started'
                        CHECK (status IN ('started', 'succeeded', 'failed', 'rolled_back')),
    reason              TEXT NOT NULL DEFAULT 'schedule'
                        CHECK (reason IN ('schedule', 'manual', 'expiry', 'compromise', 'api')),
    -- NULL when the scheduler rotated the credential.
    rotated_by          TEXT,
    -- References (not secrets) to the old and new versions, so a bad rotation
    -- can be rolled back to the previous secret.
    previous_secret_ref TEXT,
    new_secret_ref      TEXT,
    error               TEXT,
    started_at          TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    finished_at         TEXT,
    created_at          TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

CREATE INDEX IF NOT EXISTS idx_vault_credential_rotations_credential_started
    ON vault_credential_rotations (credential_id, started_at);
CREATE INDEX IF NOT EXISTS idx_vault_credential_rotations_tenant_status
    ON vault_credential_rotations (tenant_id, status);
