-- 1004 add_tenant_slug (PostgreSQL)
-- A stable, human-readable tenant handle for URL routing (https://<slug>.app... and
-- /t/<slug>/...), so URLs never expose tenant uuids and survive a tenant rename.
-- The format is a DNS label (1-63 chars of [a-z0-9-], no leading/trailing hyphen) so a slug is
-- always usable as a subdomain.
-- Nullable on purpose: tenants created before this migration get their slug assigned by the
-- application (collision handling needs application logic), and SQLite cannot add a NOT NULL
-- column without a constant default, which a unique column cannot have.
-- Reserved words (www, api, admin, ...) are rejected by the application, not the schema.

ALTER TABLE tenants ADD COLUMN IF NOT EXISTS slug text;

-- Guarded separately from ADD COLUMN so the constraint is still created if the column
-- already existed (for example added by hand).
DO $$
BEGIN
    IF NOT EXISTS (
        SELECT 1 FROM pg_constraint
        WHERE conname = 'tenants_slug_format_check'
          AND conrelid = 'tenants'::regclass
    ) THEN
        ALTER TABLE tenants ADD CONSTRAINT tenants_slug_format_check
            CHECK (slug ~ '^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$');
    END IF;
END
$$;

CREATE UNIQUE INDEX IF NOT EXISTS ux_tenants_slug ON tenants (slug);
