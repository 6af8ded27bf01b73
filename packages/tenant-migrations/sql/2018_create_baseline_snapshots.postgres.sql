-- 2018 create_baseline_snapshots
-- Infrastructure baselines for drift detection. A snapshot captures the known
-- state of a host (or a group, service or environment): packages, services,
-- config file hashes, open ports, kernel parameters. One snapshot per scope
-- can be marked golden: the approved reference later scans are compared
-- against. Each deviation found is stored as a drift item that can be
-- triaged, accepted or remediated.

CREATE TABLE IF NOT EXISTS baseline_snapshots (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id   uuid NOT NULL,
    scope_type  text NOT NULL DEFAULT 'host' CHECK (scope_type IN ('host', 'host_group', 'service', 'environment')),
    -- Natural key of the scope (hostname, group or service name). Kept even
    -- if the host row goes, so a baseline stays readable for audit.
    scope_ref   text NOT NULL,
    host_id     uuid REFERENCES hosts (id) ON DELETE SET NULL,
    name        text NOT NULL,
    status      text NOT NULL DEFAULT 'capturing' CHECK (status IN ('capturing', 'active', 'superseded', 'failed')),
    is_golden   boolean NOT NULL DEFAULT false,
    data        jsonb NOT NULL DEFAULT '{}'::jsonb,
    -- Hash of the canonicalised data: "has anything changed?" without diffing.
    checksum    text,
    item_count  integer CHECK (item_count >= 0),
    -- NULL when captured automatically.
    captured_by uuid,
    captured_at timestamptz NOT NULL DEFAULT now(),
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);

-- Snapshots of one scope over time.
CREATE INDEX IF NOT EXISTS idx_baseline_snapshots_tenant_scope
    ON baseline_snapshots (tenant_id, scope_type, scope_ref, captured_at);
CREATE INDEX IF NOT EXISTS idx_baseline_snapshots_host_id ON baseline_snapshots (host_id);
-- At most one golden baseline per scope. Promoting a new one must demote the
-- old one in the same transaction.
CREATE UNIQUE INDEX IF NOT EXISTS uq_baseline_snapshots_golden
    ON baseline_snapshots (tenant_id, scope_type, scope_ref) WHERE is_golden;

CREATE TABLE IF NOT EXISTS baseline_drift_items (
    id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id      uuid NOT NULL,
    -- The baseline the deviation was measured against.
    snapshot_id    uuid NOT NULL REFERENCES baseline_snapshots (id) ON DELETE CASCADE,
    -- Drift on a host that no longer exists is moot.
    host_id        uuid REFERENCES hosts (id) ON DELETE CASCADE,
    category       text NOT NULL
                   CHECK (category IN ('package', 'service', 'config_file', 'user_account', 'network_port',
                                       'kernel_parameter', 'hardware', 'other')),
    -- What drifted within the category, e.g. '/etc/ssh/sshd_config' or 'openssl'.
    item_key       text NOT NULL,
    change_type    text NOT NULL CHECK (change_type IN ('added', 'removed', 'modified')),
    expected_value jsonb,
    actual_value   jsonb,
    severity       text NOT NULL DEFAULT 'medium' CHECK (severity IN ('critical', 'high', 'medium', 'low', 'info')),
    -- accepted = intentional change, to be folded into the next baseline.
    status         text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'acknowledged', 'accepted', 'remediated')),
    detected_at    timestamptz NOT NULL DEFAULT now(),
    resolved_at    timestamptz,
    resolved_by    uuid,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX IF NOT EXISTS idx_baseline_drift_items_snapshot_id ON baseline_drift_items (snapshot_id);
CREATE INDEX IF NOT EXISTS idx_baseline_drift_items_host_id ON baseline_drift_items (host_id);
CREATE INDEX IF NOT EXISTS idx_baseline_drift_items_tenant_status ON baseline_drift_items (tenant_id, status);
