-- 2018 create_baseline_snapshots (SQLite)
-- Infrastructure baselines for drift detection. A snapshot captures the known
-- state of a host (or a group, service or environment): packages, services,
-- config file hashes, open ports, kernel parameters. One snapshot per scope
-- can be marked golden: the approved reference later scans are compared
-- against. Each deviation found is stored as a drift item that can be
-- triaged, accepted or remediated.
-- Same tables, columns and index names as the PostgreSQL file (type mapping
-- as described in 2001).

CREATE TABLE IF NOT EXISTS baseline_snapshots (
    id          TEXT PRIMARY KEY NOT NULL DEFAULT (lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6)))),
    tenant_id   TEXT NOT NULL,
    scope_type  TEXT NOT NULL DEFAULT 'host' CHECK (scope_type IN ('host', 'host_group', 'service', 'environment')),
    -- Natural key of the scope (hostname, group or service name). Kept even
    -- if the host row goes, so a baseline stays readable for audit.
    scope_ref   TEXT NOT NULL,
    host_id     TEXT REFERENCES hosts (id) ON DELETE SET NULL,
    name        TEXT NOT NULL,
    status      TEXT NOT NULL DEFAULT 'capturing' CHECK (status IN ('capturing', 'active', 'superseded', 'failed')),
    is_golden   INTEGER NOT NULL DEFAULT 0 CHECK (is_golden IN (0, 1)),
    data        TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(data)),
    -- Hash of the canonicalised data: "has anything changed?" without diffing.
    checksum    TEXT,
    item_count  INTEGER CHECK (item_count >= 0),
    -- NULL when captured automatically.
    captured_by TEXT,
    captured_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

-- Snapshots of one scope over time.
CREATE INDEX IF NOT EXISTS idx_baseline_snapshots_tenant_scope
    ON baseline_snapshots (tenant_id, scope_type, scope_ref, captured_at);
CREATE INDEX IF NOT EXISTS idx_baseline_snapshots_host_id ON baseline_snapshots (host_id);
-- At most one golden baseline per scope. Promoting a new one must demote the
-- old one in the same transaction.
CREATE UNIQUE INDEX IF NOT EXISTS uq_baseline_snapshots_golden
    ON baseline_snapshots (tenant_id, scope_type, scope_ref) WHERE is_golden = 1;

CREATE TABLE IF NOT EXISTS baseline_drift_items (
    id             TEXT PRIMARY KEY NOT NULL DEFAULT (lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6)))),
    tenant_id      TEXT NOT NULL,
    -- The baseline the deviation was measured against.
    snapshot_id    TEXT NOT NULL REFERENCES baseline_snapshots (id) ON DELETE CASCADE,
    -- Drift on a host that no longer exists is moot.
    host_id        TEXT REFERENCES hosts (id) ON DELETE CASCADE,
    category       TEXT NOT NULL
                   CHECK (category IN ('package', 'service', 'config_file', 'user_account', 'network_port',
                                       'kernel_parameter', 'hardware', 'other')),
    -- What drifted within the category, e.g. '/etc/ssh/sshd_config' or 'openssl'.
    item_key       TEXT NOT NULL,
    change_type    TEXT NOT NULL CHECK (change_type IN ('added', 'removed', 'modified')),
    expected_value TEXT CHECK (expected_value IS NULL OR json_valid(expected_value)),
    actual_value   TEXT CHECK (actual_value IS NULL OR json_valid(actual_value)),
    severity       TEXT NOT NULL DEFAULT 'medium' CHECK (severity IN ('critical', 'high', 'medium', 'low', 'info')),
    -- accepted = intentional change, to be folded into the next baseline.
    status         TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'acknowledged', 'accepted', 'remediated')),
    detected_at    TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    resolved_at    TEXT,
    resolved_by    TEXT,
    created_at     TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at     TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

CREATE INDEX IF NOT EXISTS idx_baseline_drift_items_snapshot_id ON baseline_drift_items (snapshot_id);
CREATE INDEX IF NOT EXISTS idx_baseline_drift_items_host_id ON baseline_drift_items (host_id);
CREATE INDEX IF NOT EXISTS idx_baseline_drift_items_tenant_status ON baseline_drift_items (tenant_id, status);
