-- 2004 add_automation_jobs_columns
-- Execution tracking for the automation job queue (created in 2001): timing,
-- retries, progress and provenance. Workers need these to retry failed jobs
-- safely and the UI needs them to show progress. Every new column is nullable
-- or has a constant default, so existing rows stay valid without a backfill
-- and the same column definitions work on SQLite. One column per statement,
-- so a re-run skips exactly the columns that already exist.

ALTER TABLE automation_jobs ADD COLUMN IF NOT EXISTS started_at timestamptz;
ALTER TABLE automation_jobs ADD COLUMN IF NOT EXISTS finished_at timestamptz;
ALTER TABLE automation_jobs ADD COLUMN IF NOT EXISTS attempts integer NOT NULL DEFAULT 0 CHECK (attempts >= 0);
ALTER TABLE automation_jobs ADD COLUMN IF NOT EXISTS max_attempts integer NOT NULL DEFAULT 3 CHECK (max_attempts >= 1);
ALTER TABLE automation_jobs ADD COLUMN IF NOT EXISTS last_error text;
ALTER TABLE automation_jobs ADD COLUMN IF NOT EXISTS progress smallint NOT NULL DEFAULT 0 CHECK (progress BETWEEN 0 AND 100);
-- Jobs existing before this migration were started by the platform itself,
-- hence 'system' as the default.
ALTER TABLE automation_jobs ADD COLUMN IF NOT EXISTS triggered_by text NOT NULL DEFAULT 'system'
    CHECK (triggered_by IN ('user', 'schedule', 'workflow', 'ai_agent', 'api', 'system'));
-- Set only when triggered_by = 'user'. The user lives in the Control Plane, so no FK.
ALTER TABLE automation_jobs ADD COLUMN IF NOT EXISTS triggered_by_user_id uuid;
-- Refreshed by the worker while a job runs, so a reaper can requeue jobs whose
-- worker died instead of leaving them 'running' forever.
ALTER TABLE automation_jobs ADD COLUMN IF NOT EXISTS heartbeat_at timestamptz;
