-- 2002 add_oes_events_tenant_type_timestamp (SQLite)
-- oes_events is the append-only stream of operational events that incidents
-- and automations are correlated from. Nearly every read is "events of type X
-- for this tenant in a time window", so the composite
-- (tenant_id, event_type, occurred_at) index is the point of this migration.
-- Same tables, columns and index names as the PostgreSQL file (type mapping
-- as described in 2001).

-- Events are immutable once written: no updated_at.
CREATE TABLE IF NOT EXISTS oes_events (
    id             TEXT PRIMARY KEY NOT NULL DEFAULT (lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6)))),
    tenant_id      TEXT NOT NULL,
    -- Dotted name, e.g. 'incident.created', 'host.cpu.high'.
    event_type     TEXT NOT NULL,
    -- Emitting system: agent, integration name, the platform itself, ...
    source         TEXT NOT NULL,
    severity       TEXT NOT NULL DEFAULT 'info' CHECK (severity IN ('critical', 'high', 'medium', 'low', 'info')),
    -- What the event is about. Text, because it may be an external identifier.
    entity_type    TEXT,
    entity_id      TEXT,
    -- Groups events belonging to one logical occurrence (dedup and correlation).
    correlation_id TEXT,
    payload        TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(payload)),
    -- When it happened at the source, as opposed to when we stored it.
    occurred_at    TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    created_at     TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

CREATE INDEX IF NOT EXISTS idx_oes_events_tenant_type_timestamp ON oes_events (tenant_id, event_type, occurred_at);
-- Timeline view across all event types.
CREATE INDEX IF NOT EXISTS idx_oes_events_tenant_timestamp ON oes_events (tenant_id, occurred_at);
CREATE INDEX IF NOT EXISTS idx_oes_events_tenant_entity ON oes_events (tenant_id, entity_type, entity_id);
-- Most events are uncorrelated, so keep NULLs out of the index.
CREATE INDEX IF NOT EXISTS idx_oes_events_correlation_id ON oes_events (correlation_id) WHERE correlation_id IS NOT NULL;
