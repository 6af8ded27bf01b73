-- 1006 add_tenant_byoc_configs (SQLite)
-- Bring-your-own-cloud AI: a tenant can route the platform's AI features through its own
-- model-provider account (own contract, data residency, quotas) instead of the platform's.
-- The API key itself never enters this database: api_key_ref points at the encrypted secret in
-- the secret manager / KMS (e.g. 'vault:kv/tenants/<id>/byoc/openai'), so neither a leak of
-- this table nor a backup exposes tenant credentials.
-- provider is an open vocabulary (new providers keep appearing and this registry is
-- additive-only), so it is only constrained to an identifier format, not a fixed list.
-- GLOB patterns stand in for the PostgreSQL regular expressions.

CREATE TABLE IF NOT EXISTS tenant_byoc_configs (
    id                    TEXT    NOT NULL DEFAULT (lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)), 2) || '-' || substr('89ab', 1 + (random() & 3), 1) || substr(hex(randomblob(2)), 2) || '-' || hex(randomblob(6)))),
    tenant_id             TEXT    NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    -- Admin-facing label, unique per tenant.
    name                  TEXT    NOT NULL CHECK (length(trim(name)) > 0),
    -- e.g. 'openai', 'azure_openai', 'anthropic', 'aws_bedrock', 'google_vertex', 'ollama'.
    provider              TEXT    NOT NULL
                                  CHECK (length(provider) > 0 AND provider NOT GLOB '*[^a-z0-9_]*'),
    model                 TEXT    NOT NULL CHECK (length(model) > 0),
    -- Required by Azure OpenAI and self-hosted gateways, NULL means the provider's public API.
    endpoint_url          TEXT    CHECK (endpoint_url GLOB 'http://*' OR endpoint_url GLOB 'https://*'),
    -- NULL for keyless auth (IAM role, workload identity, private self-hosted endpoint).
    api_key_ref           TEXT,
    -- Provider-specific options: api_version, deployment name, region, max_tokens, ...
    settings              TEXT    NOT NULL DEFAULT '{}'
                                  CHECK (json_valid(settings) AND json_type(settings) = 'object'),
    enabled               INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
    is_default            INTEGER NOT NULL DEFAULT 0 CHECK (is_default IN (0, 1)),
    validation_status     TEXT    NOT NULL DEFAULT 'unverified'
                                  CHECK (validation_status IN ('unverified', 'valid', 'invalid')),
    last_validated_at     TEXT,
    last_validation_error TEXT,
    created_by            TEXT    REFERENCES users (id) ON DELETE SET NULL,
    created_at            TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at            TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    CONSTRAINT tenant_byoc_configs_pkey PRIMARY KEY (id),
    -- The default route must be usable.
    CONSTRAINT tenant_byoc_configs_default_enabled_check CHECK (is_default = 0 OR enabled = 1)
);

-- Also serves as the index for the tenant_id foreign key (leading column).
CREATE UNIQUE INDEX IF NOT EXISTS ux_tenant_byoc_configs_tenant_name ON tenant_byoc_configs (tenant_id, name);
-- At most one default configuration per tenant.
CREATE UNIQUE INDEX IF NOT EXISTS ux_tenant_byoc_configs_tenant_default ON tenant_byoc_configs (tenant_id)
    WHERE is_default = 1;
CREATE INDEX IF NOT EXISTS ix_tenant_byoc_configs_created_by ON tenant_byoc_configs (created_by);
