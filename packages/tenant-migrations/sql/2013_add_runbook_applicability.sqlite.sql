-- 2013 add_runbook_applicability (SQLite)
-- Runbooks (created in 2009) so far applied everywhere. Applicability rules
-- say where a runbook may be suggested or run: "only on linux hosts in
-- production", "never on hosts tagged pci", "only for disk-full events".
-- The autonomous pipeline filters candidate runbooks through these rules
-- before planning, so a runbook is never proposed for a host it was not
-- written for.
-- Same tables, columns and index names as the PostgreSQL file (type mapping
-- as described in 2001). The ALTER fails with "duplicate column name" on a
-- re-run, which the engine skips.

-- How a runbook's include rules combine. Exclude rules always veto. A runbook
-- with no include rules applies everywhere, as it did before this migration.
ALTER TABLE runbooks ADD COLUMN applicability_match TEXT NOT NULL DEFAULT 'all'
    CHECK (applicability_match IN ('all', 'any'));

CREATE TABLE IF NOT EXISTS runbook_applicability_rules (
    id          TEXT PRIMARY KEY NOT NULL DEFAULT (lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6)))),
    tenant_id   TEXT NOT NULL,
    runbook_id  TEXT NOT NULL REFERENCES runbooks (id) ON DELETE CASCADE,
    -- The fact the rule tests, drawn from host inventory (2011) or the
    -- triggering incident or event.
    attribute   TEXT NOT NULL
                CHECK (attribute IN ('os_family', 'os_version', 'environment', 'host_tag', 'hostname',
                                     'installed_software', 'event_type', 'incident_severity', 'service')),
    operator    TEXT NOT NULL
                CHECK (operator IN ('eq', 'neq', 'in', 'not_in', 'matches', 'exists', 'gte', 'lte')),
    -- Operand: a string, number or array depending on the operator. NULL only
    -- for 'exists'.
    value       TEXT CHECK (value IS NULL OR json_valid(value)),
    effect      TEXT NOT NULL DEFAULT 'include' CHECK (effect IN ('include', 'exclude')),
    -- Evaluation order, lowest first, so the rule that decided can be reported.
    priority    INTEGER NOT NULL DEFAULT 100,
    description TEXT,
    created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    CHECK (value IS NOT NULL OR operator = 'exists')
);

CREATE INDEX IF NOT EXISTS idx_runbook_applicability_rules_runbook_id ON runbook_applicability_rules (runbook_id);
-- "Which runbooks care about this attribute?" when inventory changes.
CREATE INDEX IF NOT EXISTS idx_runbook_applicability_rules_tenant_attribute
    ON runbook_applicability_rules (tenant_id, attribute);
