-- 2005 add_automation_jobs_tenant_status (SQLite)
-- Tenant scoping for the automation job queue. Job lists, counters and the
-- per-tenant concurrency limit all filter on (tenant_id, status).

CREATE INDEX IF NOT EXISTS idx_automation_jobs_tenant_status ON automation_jobs (tenant_id, status);

-- Workers poll for due work across all tenants. Queued jobs are a tiny,
-- constantly churning subset, so a partial index keeps polling cheap.
CREATE INDEX IF NOT EXISTS idx_automation_jobs_queued ON automation_jobs (scheduled_for, created_at)
    WHERE status = 'queued';
