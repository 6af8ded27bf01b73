-- 1001 control_oauth_signup (SQLite)
-- First migration of the Control Plane: the tenant and user identities that everything else
-- hangs off, the OAuth authorization-code flow (codes and access/refresh tokens) and the
-- public signup funnel (signup_leads). Mirrors the PostgreSQL file table for table and
-- column for column.
--
-- SQLite mapping used throughout the Control Plane registry:
--   * uuid -> TEXT. Normally minted by the application, the default builds a random
--     version-4 UUID in canonical 8-4-4-4-12 form so ids look the same as on PostgreSQL.
--   * timestamptz -> TEXT holding UTC ISO-8601 with milliseconds ('...Z'), which sorts and
--     compares correctly as text.
--   * jsonb -> TEXT guarded by json_valid(), boolean -> INTEGER limited to 0/1.
--   * TEXT primary keys are declared NOT NULL explicitly because SQLite otherwise admits NULL.
--   * updated_at is maintained by the application (no triggers in the control plane).
--   * OAuth codes/tokens are stored only as hashes, never raw.

CREATE TABLE IF NOT EXISTS tenants (
    id               TEXT    NOT NULL DEFAULT (lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)), 2) || '-' || substr('89ab', 1 + (random() & 3), 1) || substr(hex(randomblob(2)), 2) || '-' || hex(randomblob(6)))),
    name             TEXT    NOT NULL CHECK (length(trim(name)) > 0),
    status           TEXT    NOT NULL DEFAULT 'provisioning'
                             CHECK (status IN ('provisioning', 'active', 'suspended', 'deleted')),
    -- 'shared': tenant lives in the shared tenant-plane database (db_url is NULL).
    -- 'dedicated': tenant has its own database, reachable through db_url. Credentials are
    -- expected to be resolved from the secret manager, not embedded in the URL.
    deployment_model TEXT    NOT NULL DEFAULT 'shared'
                             CHECK (deployment_model IN ('shared', 'dedicated')),
    db_url           TEXT,
    region           TEXT,
    metadata         TEXT    NOT NULL DEFAULT '{}'
                             CHECK (json_valid(metadata) AND json_type(metadata) = 'object'),
    created_at       TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at       TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    deleted_at       TEXT,
    CONSTRAINT tenants_pkey PRIMARY KEY (id),
    -- A shared tenant carrying a db_url would be routed to the wrong database.
    CONSTRAINT tenants_db_url_dedicated_check CHECK (deployment_model = 'dedicated' OR db_url IS NULL)
);

CREATE INDEX IF NOT EXISTS ix_tenants_status ON tenants (status);

-- Control-plane accounts: platform admins (no tenant) and the owners/admins of a tenant.
-- One control-plane identity per e-mail address, hence a global case-insensitive unique index.
CREATE TABLE IF NOT EXISTS users (
    id                TEXT   NOT NULL DEFAULT (lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)), 2) || '-' || substr('89ab', 1 + (random() & 3), 1) || substr(hex(randomblob(2)), 2) || '-' || hex(randomblob(6)))),
    tenant_id         TEXT   REFERENCES tenants (id) ON DELETE CASCADE,
    email             TEXT   NOT NULL CHECK (instr(email, '@') > 1),
    full_name         TEXT,
    -- NULL for accounts that only sign in through an external OAuth identity provider.
    password_hash     TEXT,
    role              TEXT   NOT NULL DEFAULT 'tenant_owner'
                             CHECK (role IN ('platform_admin', 'tenant_owner', 'tenant_admin', 'billing_admin', 'member')),
    status            TEXT   NOT NULL DEFAULT 'active'
                             CHECK (status IN ('invited', 'active', 'disabled')),
    email_verified_at TEXT,
    last_login_at     TEXT,
    created_at        TEXT   NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at        TEXT   NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    CONSTRAINT users_pkey PRIMARY KEY (id),
    -- Only platform admins may exist outside a tenant.
    CONSTRAINT users_tenant_role_check CHECK (role = 'platform_admin' OR tenant_id IS NOT NULL)
);

CREATE UNIQUE INDEX IF NOT EXISTS ux_users_email_lower ON users (lower(email));
CREATE INDEX IF NOT EXISTS ix_users_tenant_id ON users (tenant_id);

-- Registered OAuth clients (first-party console, CLI, tenant-plane apps). Codes and tokens are
-- always issued to a known client so a client can be revoked as a whole.
CREATE TABLE IF NOT EXISTS oauth_clients (
    id                 TEXT    NOT NULL DEFAULT (lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)), 2) || '-' || substr('89ab', 1 + (random() & 3), 1) || substr(hex(randomblob(2)), 2) || '-' || hex(randomblob(6)))),
    -- Public identifier sent by the client, not a secret.
    client_id          TEXT    NOT NULL CHECK (length(client_id) > 0),
    -- NULL for public clients (SPA, CLI) that must use PKCE instead of a secret.
    client_secret_hash TEXT,
    name               TEXT    NOT NULL,
    tenant_id          TEXT    REFERENCES tenants (id) ON DELETE CASCADE,
    redirect_uris      TEXT    NOT NULL DEFAULT '[]'
                               CHECK (json_valid(redirect_uris) AND json_type(redirect_uris) = 'array'),
    -- Space-delimited scope list (RFC 6749 section 3.3) the client may ever request.
    allowed_scopes     TEXT    NOT NULL DEFAULT '',
    is_first_party     INTEGER NOT NULL DEFAULT 0 CHECK (is_first_party IN (0, 1)),
    revoked_at         TEXT,
    created_at         TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at         TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    CONSTRAINT oauth_clients_pkey PRIMARY KEY (id)
);

CREATE UNIQUE INDEX IF NOT EXISTS ux_oauth_clients_client_id ON oauth_clients (client_id);
CREATE INDEX IF NOT EXISTS ix_oauth_clients_tenant_id ON oauth_clients (tenant_id);

-- Short-lived, single-use authorization codes. Rows are immutable apart from consumed_at,
-- so there is no updated_at.
CREATE TABLE IF NOT EXISTS oauth_authorization_codes (
    id                    TEXT NOT NULL DEFAULT (lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)), 2) || '-' || substr('89ab', 1 + (random() & 3), 1) || substr(hex(randomblob(2)), 2) || '-' || hex(randomblob(6)))),
    code_hash             TEXT NOT NULL,
    client_id             TEXT NOT NULL REFERENCES oauth_clients (id) ON DELETE CASCADE,
    user_id               TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    redirect_uri          TEXT NOT NULL,
    scope                 TEXT NOT NULL DEFAULT '',
    -- PKCE (RFC 7636). Only S256 is accepted, 'plain' offers no protection.
    code_challenge        TEXT,
    code_challenge_method TEXT CHECK (code_challenge_method = 'S256'),
    expires_at            TEXT NOT NULL,
    consumed_at           TEXT,
    created_at            TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    CONSTRAINT oauth_authorization_codes_pkey PRIMARY KEY (id),
    CONSTRAINT oauth_authorization_codes_pkce_check
        CHECK ((code_challenge IS NULL) = (code_challenge_method IS NULL)),
    CONSTRAINT oauth_authorization_codes_expiry_check CHECK (expires_at > created_at)
);

CREATE UNIQUE INDEX IF NOT EXISTS ux_oauth_authorization_codes_code_hash ON oauth_authorization_codes (code_hash);
CREATE INDEX IF NOT EXISTS ix_oauth_authorization_codes_client_id ON oauth_authorization_codes (client_id);
CREATE INDEX IF NOT EXISTS ix_oauth_authorization_codes_user_id ON oauth_authorization_codes (user_id);
CREATE INDEX IF NOT EXISTS ix_oauth_authorization_codes_expires_at ON oauth_authorization_codes (expires_at);

-- Access and refresh tokens in one table: they share every attribute, and revoking a grant
-- must reach both kinds. parent_token_id chains refresh-token rotation (and links an access
-- token to the refresh token that minted it) so reuse of a rotated token revokes the family.
-- authorization_code_id lets a replayed code revoke the tokens it produced (RFC 6749 4.1.2).
CREATE TABLE IF NOT EXISTS oauth_tokens (
    id                    TEXT NOT NULL DEFAULT (lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)), 2) || '-' || substr('89ab', 1 + (random() & 3), 1) || substr(hex(randomblob(2)), 2) || '-' || hex(randomblob(6)))),
    token_type            TEXT NOT NULL CHECK (token_type IN ('access', 'refresh')),
    token_hash            TEXT NOT NULL,
    client_id             TEXT NOT NULL REFERENCES oauth_clients (id) ON DELETE CASCADE,
    user_id               TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    authorization_code_id TEXT REFERENCES oauth_authorization_codes (id) ON DELETE SET NULL,
    parent_token_id       TEXT REFERENCES oauth_tokens (id) ON DELETE CASCADE,
    scope                 TEXT NOT NULL DEFAULT '',
    expires_at            TEXT NOT NULL,
    revoked_at            TEXT,
    last_used_at          TEXT,
    created_at            TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    CONSTRAINT oauth_tokens_pkey PRIMARY KEY (id),
    CONSTRAINT oauth_tokens_expiry_check CHECK (expires_at > created_at)
);

CREATE UNIQUE INDEX IF NOT EXISTS ux_oauth_tokens_token_hash ON oauth_tokens (token_hash);
CREATE INDEX IF NOT EXISTS ix_oauth_tokens_client_id ON oauth_tokens (client_id);
CREATE INDEX IF NOT EXISTS ix_oauth_tokens_user_id ON oauth_tokens (user_id);
CREATE INDEX IF NOT EXISTS ix_oauth_tokens_authorization_code_id ON oauth_tokens (authorization_code_id);
CREATE INDEX IF NOT EXISTS ix_oauth_tokens_parent_token_id ON oauth_tokens (parent_token_id);
CREATE INDEX IF NOT EXISTS ix_oauth_tokens_expires_at ON oauth_tokens (expires_at);

-- Everyone who starts the public signup, before (and whether or not) a tenant is provisioned.
-- Not unique on e-mail: the same person may sign up more than once, and the admin side wants
-- to see every attempt.
CREATE TABLE IF NOT EXISTS signup_leads (
    id                  TEXT NOT NULL DEFAULT (lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)), 2) || '-' || substr('89ab', 1 + (random() & 3), 1) || substr(hex(randomblob(2)), 2) || '-' || hex(randomblob(6)))),
    email               TEXT NOT NULL CHECK (instr(email, '@') > 1),
    full_name           TEXT,
    company_name        TEXT,
    job_title           TEXT,
    phone               TEXT,
    country             TEXT,
    message             TEXT,
    -- UTM parameters, referrer, OAuth provider used for signup, etc.
    metadata            TEXT NOT NULL DEFAULT '{}'
                             CHECK (json_valid(metadata) AND json_type(metadata) = 'object'),
    email_verified_at   TEXT,
    converted_tenant_id TEXT REFERENCES tenants (id) ON DELETE SET NULL,
    converted_at        TEXT,
    created_at          TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at          TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    CONSTRAINT signup_leads_pkey PRIMARY KEY (id)
);

CREATE INDEX IF NOT EXISTS ix_signup_leads_email_lower ON signup_leads (lower(email));
CREATE INDEX IF NOT EXISTS ix_signup_leads_converted_tenant_id ON signup_leads (converted_tenant_id);
CREATE INDEX IF NOT EXISTS ix_signup_leads_created_at ON signup_leads (created_at);
