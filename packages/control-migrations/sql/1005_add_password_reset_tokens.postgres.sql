-- 1005 add_password_reset_tokens (PostgreSQL)
-- Self-service password reset for control-plane users. Only a hash of the e-mailed token is
-- stored so a database leak cannot be turned into account takeover. A token is single-use
-- (used_at) and short-lived (expires_at). Requester IP and user agent are kept for abuse
-- investigation and for the "was this you?" notice.
-- Rows are immutable apart from used_at, so there is no updated_at.

CREATE TABLE IF NOT EXISTS password_reset_tokens (
    id           uuid        NOT NULL DEFAULT gen_random_uuid(),
    user_id      uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash   text        NOT NULL,
    expires_at   timestamptz NOT NULL,
    used_at      timestamptz,
    requested_ip inet,
    user_agent   text,
    created_at   timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT password_reset_tokens_pkey PRIMARY KEY (id),
    CONSTRAINT password_reset_tokens_expiry_check CHECK (expires_at > created_at),
    CONSTRAINT password_reset_tokens_used_check CHECK (used_at IS NULL OR used_at >= created_at)
);

CREATE UNIQUE INDEX IF NOT EXISTS ux_password_reset_tokens_token_hash ON password_reset_tokens (token_hash);
CREATE INDEX IF NOT EXISTS ix_password_reset_tokens_user_id ON password_reset_tokens (user_id);
-- Purge job for expired tokens.
CREATE INDEX IF NOT EXISTS ix_password_reset_tokens_expires_at ON password_reset_tokens (expires_at);
