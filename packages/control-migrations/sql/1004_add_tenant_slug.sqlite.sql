-- 1004 add_tenant_slug (SQLite)
-- A stable, human-readable tenant handle for URL routing (https://<slug>.app... and
-- /t/<slug>/...), so URLs never expose tenant uuids and survive a tenant rename.
-- The format is a DNS label (1-63 chars of [a-z0-9-], no leading/trailing hyphen) so a slug is
-- always usable as a subdomain. GLOB patterns stand in for the PostgreSQL regular expression.
-- Nullable on purpose: tenants created before this migration get their slug assigned by the
-- application, and SQLite cannot add a NOT NULL column without a constant default, which a
-- unique column cannot have. SQLite cannot add UNIQUE on ADD COLUMN, hence the separate index.
-- Reserved words (www, api, admin, ...) are rejected by the application, not the schema.

ALTER TABLE tenants ADD COLUMN slug TEXT
    CONSTRAINT tenants_slug_format_check
    CHECK (slug IS NULL OR (length(slug) BETWEEN 1 AND 63
                            AND slug NOT GLOB '*[^a-z0-9-]*'
                            AND slug NOT GLOB '-*'
                            AND slug NOT GLOB '*-'));

CREATE UNIQUE INDEX IF NOT EXISTS ux_tenants_slug ON tenants (slug);
