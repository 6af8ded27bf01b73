-- 2011 add_host_inventory (SQLite)
-- Host inventory collected by agents and integrations: the hosts themselves,
-- their hardware profile and installed software. Remediation targeting,
-- runbook applicability, vulnerability exposure ("which hosts run openssl
-- 3.0.x?") and cost attribution all need this.
-- Same tables, columns and index names as the PostgreSQL file (type mapping
-- as described in 2001, with inet -> TEXT).

CREATE TABLE IF NOT EXISTS hosts (
    id              TEXT PRIMARY KEY NOT NULL DEFAULT (lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6)))),
    tenant_id       TEXT NOT NULL,
    organization_id TEXT REFERENCES organizations (id) ON DELETE SET NULL,
    hostname        TEXT NOT NULL,
    fqdn            TEXT,
    ip_address      TEXT,
    os_family       TEXT CHECK (os_family IN ('linux', 'windows', 'macos', 'unix', 'other')),
    os_name         TEXT,
    os_version      TEXT,
    kernel_version  TEXT,
    -- Free text (production, staging, ...): environments are tenant-defined.
    environment     TEXT,
    agent_id        TEXT,
    agent_version   TEXT,
    -- Hosts are marked decommissioned rather than deleted, so history that
    -- points at them keeps its context.
    status          TEXT NOT NULL DEFAULT 'unknown'
                    CHECK (status IN ('active', 'inactive', 'decommissioned', 'unknown')),
    tags            TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(tags) AND json_type(tags) = 'object'),
    last_seen_at    TEXT,
    created_at      TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at      TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

CREATE UNIQUE INDEX IF NOT EXISTS uq_hosts_tenant_hostname ON hosts (tenant_id, hostname);
-- Agents report by their own id. Hosts found through integrations have none.
CREATE UNIQUE INDEX IF NOT EXISTS uq_hosts_tenant_agent_id ON hosts (tenant_id, agent_id) WHERE agent_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS idx_hosts_tenant_status ON hosts (tenant_id, status);
CREATE INDEX IF NOT EXISTS idx_hosts_organization_id ON hosts (organization_id);

-- Current hardware profile, one row per host, replaced on each collection.
CREATE TABLE IF NOT EXISTS host_hardware (
    id               TEXT PRIMARY KEY NOT NULL DEFAULT (lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6)))),
    tenant_id        TEXT NOT NULL,
    host_id          TEXT NOT NULL REFERENCES hosts (id) ON DELETE CASCADE,
    manufacturer     TEXT,
    model            TEXT,
    serial_number    TEXT,
    architecture     TEXT,
    cpu_model        TEXT,
    cpu_cores        INTEGER CHECK (cpu_cores > 0),
    cpu_threads      INTEGER CHECK (cpu_threads > 0),
    memory_bytes     INTEGER CHECK (memory_bytes >= 0),
    disk_total_bytes INTEGER CHECK (disk_total_bytes >= 0),
    bios_version     TEXT,
    is_virtual       INTEGER CHECK (is_virtual IN (0, 1)),
    -- Full fact set as reported by the collector, for fields not modelled above.
    raw_facts        TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(raw_facts)),
    collected_at     TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    created_at       TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at       TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

CREATE UNIQUE INDEX IF NOT EXISTS uq_host_hardware_host_id ON host_hardware (host_id);
CREATE INDEX IF NOT EXISTS idx_host_hardware_tenant_id ON host_hardware (tenant_id);

CREATE TABLE IF NOT EXISTS host_software (
    id              TEXT PRIMARY KEY NOT NULL DEFAULT (lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6)))),
    tenant_id       TEXT NOT NULL,
    host_id         TEXT NOT NULL REFERENCES hosts (id) ON DELETE CASCADE,
    name            TEXT NOT NULL,
    -- '' rather than NULL when unknown, so the unique index below also
    -- deduplicates version-less packages (NULLs never collide in a unique index).
    version         TEXT NOT NULL DEFAULT '',
    vendor          TEXT,
    package_manager TEXT,
    architecture    TEXT,
    installed_at    TEXT,
    collected_at    TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    created_at      TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at      TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

CREATE UNIQUE INDEX IF NOT EXISTS uq_host_software_host_name_version ON host_software (host_id, name, version);
-- Exposure queries go the other way: from a package to the hosts running it.
CREATE INDEX IF NOT EXISTS idx_host_software_tenant_name_version ON host_software (tenant_id, name, version);
