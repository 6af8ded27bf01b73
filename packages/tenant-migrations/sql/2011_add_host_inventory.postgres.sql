-- 2011 add_host_inventory
-- Host inventory collected by agents and integrations: the hosts themselves,
-- their hardware profile and installed software. Remediation targeting,
-- runbook applicability, vulnerability exposure ("which hosts run openssl
-- 3.0.x?") and cost attribution all need this.

CREATE TABLE IF NOT EXISTS hosts (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id       uuid NOT NULL,
    organization_id uuid REFERENCES organizations (id) ON DELETE SET NULL,
    hostname        text NOT NULL,
    fqdn            text,
    ip_address      inet,
    os_family       text CHECK (os_family IN ('linux', 'windows', 'macos', 'unix', 'other')),
    os_name         text,
    os_version      text,
    kernel_version  text,
    -- Free text (production, staging, ...): environments are tenant-defined.
    environment     text,
    agent_id        text,
    agent_version   text,
    -- Hosts are marked decommissioned rather than deleted, so history that
    -- points at them keeps its context.
    status          text NOT NULL DEFAULT 'unknown'
                    CHECK (status IN ('active', 'inactive', 'decommissioned', 'unknown')),
    tags            jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(tags) = 'object'),
    last_seen_at    timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);

CREATE UNIQUE INDEX IF NOT EXISTS uq_hosts_tenant_hostname ON hosts (tenant_id, hostname);
-- Agents report by their own id. Hosts found through integrations have none.
CREATE UNIQUE INDEX IF NOT EXISTS uq_hosts_tenant_agent_id ON hosts (tenant_id, agent_id) WHERE agent_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS idx_hosts_tenant_status ON hosts (tenant_id, status);
CREATE INDEX IF NOT EXISTS idx_hosts_organization_id ON hosts (organization_id);

-- Current hardware profile, one row per host, replaced on each collection.
CREATE TABLE IF NOT EXISTS host_hardware (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id        uuid NOT NULL,
    host_id          uuid NOT NULL REFERENCES hosts (id) ON DELETE CASCADE,
    manufacturer     text,
    model            text,
    serial_number    text,
    architecture     text,
    cpu_model        text,
    cpu_cores        integer CHECK (cpu_cores > 0),
    cpu_threads      integer CHECK (cpu_threads > 0),
    memory_bytes     bigint CHECK (memory_bytes >= 0),
    disk_total_bytes bigint CHECK (disk_total_bytes >= 0),
    bios_version     text,
    is_virtual       boolean,
    -- Full fact set as reported by the collector, for fields not modelled above.
    raw_facts        jsonb NOT NULL DEFAULT '{}'::jsonb,
    collected_at     timestamptz NOT NULL DEFAULT now(),
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now()
);

CREATE UNIQUE INDEX IF NOT EXISTS uq_host_hardware_host_id ON host_hardware (host_id);
CREATE INDEX IF NOT EXISTS idx_host_hardware_tenant_id ON host_hardware (tenant_id);

CREATE TABLE IF NOT EXISTS host_software (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id       uuid NOT NULL,
    host_id         uuid NOT NULL REFERENCES hosts (id) ON DELETE CASCADE,
    name            text NOT NULL,
    -- '' rather than NULL when unknown, so the unique index below also
    -- deduplicates version-less packages (NULLs never collide in a unique index).
    version         text NOT NULL DEFAULT '',
    vendor          text,
    package_manager text,
    architecture    text,
    installed_at    timestamptz,
    collected_at    timestamptz NOT NULL DEFAULT now(),
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);

CREATE UNIQUE INDEX IF NOT EXISTS uq_host_software_host_name_version ON host_software (host_id, name, version);
-- Exposure queries go the other way: from a package to the hosts running it.
CREATE INDEX IF NOT EXISTS idx_host_software_tenant_name_version ON host_software (tenant_id, name, version);
