-- 1006 add_tenant_byoc_configs (PostgreSQL)
-- Bring-your-own-cloud AI: a tenant can route the platform's AI features through its own
-- model-provider account (own contract, data residency, quotas) instead of the platform's.
-- The API key itself never enters this database: api_key_ref points at the encrypted secret in
-- the secret manager / KMS (e.g. 'vault:kv/tenants/<id>/byoc/openai'), so neither a leak of
-- this table nor a backup exposes tenant credentials.
-- provider is an open vocabulary (new providers keep appearing and this registry is
-- additive-only), so it is only constrained to an identifier format, not a fixed list.

CREATE TABLE IF NOT EXISTS tenant_byoc_configs (
    id                    uuid        NOT NULL DEFAULT gen_random_uuid(),
    tenant_id             uuid        NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    -- Admin-facing label, unique per tenant.
    name                  text        NOT NULL CHECK (length(btrim(name)) > 0),
    -- e.g. 'openai', 'azure_openai', 'anthropic', 'aws_bedrock', 'google_vertex', 'ollama'.
    provider              text        NOT NULL CHECK (provider ~ '^[a-z0-9_]+$'),
    model                 text        NOT NULL CHECK (length(model) > 0),
    -- Required by Azure OpenAI and self-hosted gateways, NULL means the provider's public API.
    endpoint_url          text        CHECK (endpoint_url ~ '^https?://'),
    -- NULL for keyless auth (IAM role, workload identity, private self-hosted endpoint).
    api_key_ref           text,
    -- Provider-specific options: api_version, deployment name, region, max_tokens, ...
    settings              jsonb       NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(settings) = 'object'),
    enabled               boolean     NOT NULL DEFAULT true,
    is_default            boolean     NOT NULL DEFAULT false,
    validation_status     text        NOT NULL DEFAULT 'unverified'
                                      CHECK (validation_status IN ('unverified', 'valid', 'invalid')),
    last_validated_at     timestamptz,
    last_validation_error text,
    created_by            uuid        REFERENCES users (id) ON DELETE SET NULL,
    created_at            timestamptz NOT NULL DEFAULT now(),
    updated_at            timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT tenant_byoc_configs_pkey PRIMARY KEY (id),
    -- The default route must be usable.
    CONSTRAINT tenant_byoc_configs_default_enabled_check CHECK (NOT is_default OR enabled)
);

-- Also serves as the index for the tenant_id foreign key (leading column).
CREATE UNIQUE INDEX IF NOT EXISTS ux_tenant_byoc_configs_tenant_name ON tenant_byoc_configs (tenant_id, name);
-- At most one default configuration per tenant.
CREATE UNIQUE INDEX IF NOT EXISTS ux_tenant_byoc_configs_tenant_default ON tenant_byoc_configs (tenant_id)
    WHERE is_default;
CREATE INDEX IF NOT EXISTS ix_tenant_byoc_configs_created_by ON tenant_byoc_configs (created_by);
