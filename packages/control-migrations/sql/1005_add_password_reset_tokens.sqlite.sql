-- 1005 add_password_reset_tokens (SQLite)
-- Self-service password reset for control-plane users. Only a hash of the e-mailed token is
-- stored so a database leak cannot be turned into account takeover. A token is single-use
-- (used_at) and short-lived (expires_at). Requester IP and user agent are kept for abuse
-- investigation and for the "was this you?" notice.
-- Rows are immutable apart from used_at, so there is no updated_at.
-- requested_ip is TEXT here (inet on PostgreSQL), validated by the application.

CREATE TABLE IF NOT EXISTS password_reset_tokens (
    id           TEXT NOT NULL DEFAULT (lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)), 2) || '-' || substr('89ab', 1 + (random() & 3), 1) || substr(hex(randomblob(2)), 2) || '-' || hex(randomblob(6)))),
    user_id      TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash   TEXT NOT NULL,
    expires_at   TEXT NOT NULL,
    used_at      TEXT,
    requested_ip TEXT,
    user_agent   TEXT,
    created_at   TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    CONSTRAINT password_reset_tokens_pkey PRIMARY KEY (id),
    CONSTRAINT password_reset_tokens_expiry_check CHECK (expires_at > created_at),
    CONSTRAINT password_reset_tokens_used_check CHECK (used_at IS NULL OR used_at >= created_at)
);

CREATE UNIQUE INDEX IF NOT EXISTS ux_password_reset_tokens_token_hash ON password_reset_tokens (token_hash);
CREATE INDEX IF NOT EXISTS ix_password_reset_tokens_user_id ON password_reset_tokens (user_id);
-- Purge job for expired tokens.
CREATE INDEX IF NOT EXISTS ix_password_reset_tokens_expires_at ON password_reset_tokens (expires_at);
