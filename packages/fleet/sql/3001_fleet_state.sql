-- The fleet's own state in the Control Plane database, in the schema `fleet` (the session's search_path):
-- runs, their items (one per tenant), and each tenant's last known schema status. No database URL is
-- stored here: a worker reads the tenant's db_url from `tenants` when it starts the tenant.

CREATE TABLE IF NOT EXISTS runs (
    id              text        NOT NULL,
    mode            text        NOT NULL CHECK (mode IN ('apply', 'plan', 'scan')),
    state           text        NOT NULL CHECK (state IN ('running', 'paused', 'halted', 'succeeded', 'failed', 'cancelled')),
    -- The waves as fixed at creation: [{"name": "canary", "budget": 0}, …], in order.
    waves           jsonb       NOT NULL CHECK (jsonb_typeof(waves) = 'array'),
    current_wave    integer     NOT NULL DEFAULT 0,
    -- Waves up to this index were accepted by `resume` after halting: their failures no longer halt the run.
    accepted_wave   integer     NOT NULL DEFAULT -1,
    spec            jsonb       NOT NULL,
    created_by      text,
    created_at      timestamptz NOT NULL DEFAULT (now()),
    finished_at     timestamptz,
    CONSTRAINT runs_pkey PRIMARY KEY (id)
);

CREATE INDEX IF NOT EXISTS runs_created_at ON runs (created_at DESC);

CREATE TABLE IF NOT EXISTS items (
    run_id          text        NOT NULL,
    tenant_id       text        NOT NULL,
    tenant_name     text,
    wave            integer     NOT NULL,
    -- host:port of the tenant's database, the key of the per-host cap.
    host            text        NOT NULL,
    -- The redacted target (host:port/database), never a password.
    target          text        NOT NULL,
    state           text        NOT NULL DEFAULT 'queued'
                                CHECK (state IN ('queued', 'running', 'retrying', 'succeeded', 'failed', 'timed_out', 'unreachable', 'skipped', 'cancelled')),
    attempts        integer     NOT NULL DEFAULT 0,
    job_id          text,
    owner           text,
    version         bigint,
    pending         integer,
    drift           boolean,
    error           jsonb,
    started_at      timestamptz,
    finished_at     timestamptz,
    updated_at      timestamptz NOT NULL DEFAULT (now()),
    CONSTRAINT items_pkey PRIMARY KEY (run_id, tenant_id),
    CONSTRAINT items_run_fkey FOREIGN KEY (run_id) REFERENCES runs (id) ON DELETE CASCADE
);

CREATE INDEX IF NOT EXISTS items_run_wave_state ON items (run_id, wave, state);

CREATE TABLE IF NOT EXISTS tenant_status (
    tenant_id       text        NOT NULL,
    tenant_name     text,
    target          text        NOT NULL,
    state           text        NOT NULL CHECK (state IN ('current', 'behind', 'failed', 'timed_out', 'unreachable', 'drifted', 'unknown')),
    version         bigint,
    pending         integer,
    drift           boolean,
    error           jsonb,
    run_id          text,
    checked_at      timestamptz NOT NULL DEFAULT (now()),
    CONSTRAINT tenant_status_pkey PRIMARY KEY (tenant_id)
);

CREATE INDEX IF NOT EXISTS tenant_status_state ON tenant_status (state);
