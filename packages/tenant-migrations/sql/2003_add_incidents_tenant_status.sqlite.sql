-- 2003 add_incidents_tenant_status (SQLite)
-- Tenant scoping for incidents (table created in 2001). Every incident list
-- and queue view filters by tenant and status first. Without this index
-- those queries fall back to the unique (tenant_id, number) index and read
-- the tenant's entire incident history.

CREATE INDEX IF NOT EXISTS idx_incidents_tenant_status ON incidents (tenant_id, status);

-- The on-call dashboard only ever shows unresolved incidents, which are a
-- small, hot fraction of the table. A partial index keeps that view cheap
-- however much history accumulates. The query must repeat this predicate for
-- SQLite's planner to use the index.
CREATE INDEX IF NOT EXISTS idx_incidents_tenant_open ON incidents (tenant_id, severity, created_at)
    WHERE status NOT IN ('resolved', 'closed', 'cancelled');
