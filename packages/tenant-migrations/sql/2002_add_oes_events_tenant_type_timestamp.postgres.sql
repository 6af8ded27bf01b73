-- 2002 add_oes_events_tenant_type_timestamp
-- oes_events is the append-only stream of operational events (alerts, state
-- changes, agent signals) that incidents and automations are correlated from.
-- Nearly every read is "events of type X for this tenant in a time window",
-- so the composite (tenant_id, event_type, occurred_at) index is the point of
-- this migration. The table is created here because no earlier migration
-- does.

-- Events are immutable once written: no updated_at.
CREATE TABLE IF NOT EXISTS oes_events (
    id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id      uuid NOT NULL,
    -- Dotted name, e.g. 'incident.created', 'host.cpu.high'.
    event_type     text NOT NULL,
    -- Emitting system: agent, integration name, the platform itself, ...
    source         text NOT NULL,
    severity       text NOT NULL DEFAULT 'info' CHECK (severity IN ('critical', 'high', 'medium', 'low', 'info')),
    -- What the event is about. Text, because it may be an external identifier.
    entity_type    text,
    entity_id      text,
    -- Groups events belonging to one logical occurrence (dedup and correlation).
    correlation_id text,
    payload        jsonb NOT NULL DEFAULT '{}'::jsonb,
    -- When it happened at the source, as opposed to when we stored it.
    occurred_at    timestamptz NOT NULL DEFAULT now(),
    created_at     timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX IF NOT EXISTS idx_oes_events_tenant_type_timestamp ON oes_events (tenant_id, event_type, occurred_at);
-- Timeline view across all event types.
CREATE INDEX IF NOT EXISTS idx_oes_events_tenant_timestamp ON oes_events (tenant_id, occurred_at);
CREATE INDEX IF NOT EXISTS idx_oes_events_tenant_entity ON oes_events (tenant_id, entity_type, entity_id);
-- Most events are uncorrelated, so keep NULLs out of the index.
CREATE INDEX IF NOT EXISTS idx_oes_events_correlation_id ON oes_events (correlation_id) WHERE correlation_id IS NOT NULL;
