-- 2010 add_webhook_deliveries (SQLite)
-- Outbound webhooks: tenants register endpoints and every matching event is
-- delivered with retries. Each delivery is tracked individually so failures
-- can be inspected, retried with backoff and eventually dead-lettered instead
-- of being lost.
-- Same tables, columns and index names as the PostgreSQL file (type mapping
-- as described in 2001).

CREATE TABLE IF NOT EXISTS webhook_endpoints (
    id                    TEXT PRIMARY KEY NOT NULL DEFAULT (lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6)))),
    tenant_id             TEXT NOT NULL,
    name                  TEXT NOT NULL,
    -- GLOB, unlike LIKE, is case-sensitive, matching the PostgreSQL regex.
    url                   TEXT NOT NULL CHECK (url GLOB 'http://*' OR url GLOB 'https://*'),
    -- The HMAC signing secret lives in the vault like every other secret.
    signing_credential_id TEXT REFERENCES vault_credentials (id) ON DELETE SET NULL,
    -- Event types to deliver. An empty array means all events.
    event_types           TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(event_types) AND json_type(event_types) = 'array'),
    is_enabled            INTEGER NOT NULL DEFAULT 1 CHECK (is_enabled IN (0, 1)),
    timeout_ms            INTEGER NOT NULL DEFAULT 10000 CHECK (timeout_ms BETWEEN 100 AND 60000),
    max_attempts          INTEGER NOT NULL DEFAULT 8 CHECK (max_attempts >= 1),
    created_by            TEXT,
    created_at            TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at            TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

CREATE UNIQUE INDEX IF NOT EXISTS uq_webhook_endpoints_tenant_name ON webhook_endpoints (tenant_id, name);
CREATE INDEX IF NOT EXISTS idx_webhook_endpoints_signing_credential_id ON webhook_endpoints (signing_credential_id);

CREATE TABLE IF NOT EXISTS webhook_deliveries (
    id            TEXT PRIMARY KEY NOT NULL DEFAULT (lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6)))),
    tenant_id     TEXT NOT NULL,
    endpoint_id   TEXT NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    -- The event being delivered. Events are pruned by retention, so the
    -- delivery keeps its own copy of the type and payload.
    event_id      TEXT REFERENCES oes_events (id) ON DELETE SET NULL,
    event_type    TEXT NOT NULL,
    payload       TEXT NOT NULL CHECK (json_valid(payload)),
    -- failed = will be retried at next_retry_at, dead_lettered = gave up.
    status        TEXT NOT NULL DEFAULT 'pending'
                  CHECK (status IN ('pending', 'in_flight', 'succeeded', 'failed', 'dead_lettered')),
    attempts      INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    response_code INTEGER CHECK (response_code BETWEEN 100 AND 599),
    -- Truncated by the sender. Kept for troubleshooting only.
    response_body TEXT,
    last_error    TEXT,
    duration_ms   INTEGER CHECK (duration_ms >= 0),
    next_retry_at TEXT,
    delivered_at  TEXT,
    created_at    TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at    TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

-- Delivery log of one endpoint, newest first.
CREATE INDEX IF NOT EXISTS idx_webhook_deliveries_endpoint_created ON webhook_deliveries (endpoint_id, created_at);
CREATE INDEX IF NOT EXISTS idx_webhook_deliveries_tenant_status ON webhook_deliveries (tenant_id, status);
CREATE INDEX IF NOT EXISTS idx_webhook_deliveries_event_id ON webhook_deliveries (event_id);
-- The retry worker only ever looks at deliveries still owed an attempt.
CREATE INDEX IF NOT EXISTS idx_webhook_deliveries_retry ON webhook_deliveries (next_retry_at)
    WHERE status IN ('pending', 'failed');
