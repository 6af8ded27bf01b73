-- 2010 add_webhook_deliveries
-- Outbound webhooks: tenants register endpoints and every matching event is
-- delivered with retries. Each delivery is tracked individually so failures
-- can be inspected, retried with backoff and eventually dead-lettered instead
-- of being lost.

CREATE TABLE IF NOT EXISTS webhook_endpoints (
    id                    uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id             uuid NOT NULL,
    name                  text NOT NULL,
    url                   text NOT NULL CHECK (url ~ '^https?://'),
    -- The HMAC signing secret lives in the vault like every other secret.
    signing_credential_id uuid REFERENCES vault_credentials (id) ON DELETE SET NULL,
    -- Event types to deliver. An empty array means all events.
    event_types           jsonb NOT NULL DEFAULT '[]'::jsonb CHECK (jsonb_typeof(event_types) = 'array'),
    is_enabled            boolean NOT NULL DEFAULT true,
    timeout_ms            integer NOT NULL DEFAULT 10000 CHECK (timeout_ms BETWEEN 100 AND 60000),
    max_attempts          integer NOT NULL DEFAULT 8 CHECK (max_attempts >= 1),
    created_by            uuid,
    created_at            timestamptz NOT NULL DEFAULT now(),
    updated_at            timestamptz NOT NULL DEFAULT now()
);

CREATE UNIQUE INDEX IF NOT EXISTS uq_webhook_endpoints_tenant_name ON webhook_endpoints (tenant_id, name);
CREATE INDEX IF NOT EXISTS idx_webhook_endpoints_signing_credential_id ON webhook_endpoints (signing_credential_id);

CREATE TABLE IF NOT EXISTS webhook_deliveries (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id     uuid NOT NULL,
    endpoint_id   uuid NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    -- The event being delivered. Events are pruned by retention, so the
    -- delivery keeps its own copy of the type and payload.
    event_id      uuid REFERENCES oes_events (id) ON DELETE SET NULL,
    event_type    text NOT NULL,
    payload       jsonb NOT NULL,
    -- failed = will be retried at next_retry_at, dead_lettered = gave up.
    status        text NOT NULL DEFAULT 'pending'
                  CHECK (status IN ('pending', 'in_flight', 'succeeded', 'failed', 'dead_lettered')),
    attempts      integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    response_code integer CHECK (response_code BETWEEN 100 AND 599),
    -- Truncated by the sender. Kept for troubleshooting only.
    response_body text,
    last_error    text,
    duration_ms   integer CHECK (duration_ms >= 0),
    next_retry_at timestamptz,
    delivered_at  timestamptz,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now()
);

-- Delivery log of one endpoint, newest first.
CREATE INDEX IF NOT EXISTS idx_webhook_deliveries_endpoint_created ON webhook_deliveries (endpoint_id, created_at);
CREATE INDEX IF NOT EXISTS idx_webhook_deliveries_tenant_status ON webhook_deliveries (tenant_id, status);
CREATE INDEX IF NOT EXISTS idx_webhook_deliveries_event_id ON webhook_deliveries (event_id);
-- The retry worker only ever looks at deliveries still owed an attempt.
CREATE INDEX IF NOT EXISTS idx_webhook_deliveries_retry ON webhook_deliveries (next_retry_at)
    WHERE status IN ('pending', 'failed');
