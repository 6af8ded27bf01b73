-- A run's job policy (deadline, attempts, pg-boss expiry, retry limit, delay and backoff, expiry check
-- interval), fixed when the run is created and used by every process that sends or works its jobs. NULL
-- for runs created before this column: they are worked with each replica's own settings.
ALTER TABLE runs ADD COLUMN IF NOT EXISTS job_policy jsonb CHECK (job_policy IS NULL OR jsonb_typeof(job_policy) = 'object');
