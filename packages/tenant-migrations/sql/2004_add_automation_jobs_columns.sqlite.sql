-- 2004 add_automation_jobs_columns (SQLite)
-- Execution tracking for the automation job queue (created in 2001): timing,
-- retries, progress and provenance. Workers need these to retry failed jobs
-- safely and the UI needs them to show progress.
-- SQLite has no ADD COLUMN IF NOT EXISTS: on a re-run each statement fails
-- with "duplicate column name" and the engine skips it, which is why there is
-- exactly one column per statement. Added columns are nullable or carry a
-- constant default, as SQLite requires.

ALTER TABLE automation_jobs ADD COLUMN started_at TEXT;
ALTER TABLE automation_jobs ADD COLUMN finished_at TEXT;
ALTER TABLE automation_jobs ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0);
ALTER TABLE automation_jobs ADD COLUMN max_attempts INTEGER NOT NULL DEFAULT 3 CHECK (max_attempts >= 1);
ALTER TABLE automation_jobs ADD COLUMN last_error TEXT;
ALTER TABLE automation_jobs ADD COLUMN progress INTEGER NOT NULL DEFAULT 0 CHECK (progress BETWEEN 0 AND 100);
-- Jobs existing before this migration were started by the platform itself,
-- hence 'system' as the default.
ALTER TABLE automation_jobs ADD COLUMN triggered_by TEXT NOT NULL DEFAULT 'system'
    CHECK (triggered_by IN ('user', 'schedule', 'workflow', 'ai_agent', 'api', 'system'));
-- Set only when triggered_by = 'user'. The user lives in the Control Plane, so no FK.
ALTER TABLE automation_jobs ADD COLUMN triggered_by_user_id TEXT;
-- Refreshed by the worker while a job runs, so a reaper can requeue jobs whose
-- worker died instead of leaving them 'running' forever.
ALTER TABLE automation_jobs ADD COLUMN heartbeat_at TEXT;
