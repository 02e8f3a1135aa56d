-- Email verification, email change and forgotten passwords (issue 16 B). Keep in step with the
-- other backend's copy: src/schema.rs serves both.
--
-- Single-use secrets mailed to a user (or handed back for the next step): only a SHA-256 of
-- each is stored (`secret_hash`, unique: one indexed lookup finds a presented token). At most
-- one live row per (user, kind): issuing a new one replaces the old.
-- kind: email_verify | email_change_code | email_change_token | password_reset
CREATE TABLE account_secrets (
    id          BIGINT NOT NULL PRIMARY KEY,
    user_id     BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind        TEXT NOT NULL,
    secret_hash TEXT NOT NULL UNIQUE,
    detail      TEXT,              -- email_verify: the address the token was mailed to
    expires_ms  BIGINT NOT NULL,   -- epoch ms; a row past it is dead (and purged)
    attempts    INTEGER NOT NULL DEFAULT 0  -- wrong codes so far (email_change_code)
);
CREATE UNIQUE INDEX account_secrets_user_kind ON account_secrets (user_id, kind);
CREATE INDEX account_secrets_expires ON account_secrets (expires_ms);
-- Mail not sent by SMTP (no `smtp_url`), for `astral mail outbox`. It holds the mailed secret
-- in clear until it is taken or expires with the secret it carries (docs/security.md).
-- kind: verify | email_change | reset
CREATE TABLE mail_outbox (
    id         BIGINT NOT NULL PRIMARY KEY,
    recipient  TEXT NOT NULL,
    kind       TEXT NOT NULL,
    subject    TEXT NOT NULL,
    body       TEXT NOT NULL,
    expires_ms BIGINT NOT NULL
);
CREATE INDEX mail_outbox_expires ON mail_outbox (expires_ms);
