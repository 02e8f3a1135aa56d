-- Two-factor authentication (issue 16, workstream C). Keep in step with ../../postgres/:
-- src/schema.rs serves both backends.
--
-- An account's TOTP authenticator (RFC 6238). `users.mfa_enabled` says whether one is on; this
-- row holds it. The secret is sealed with the server's `mfa_key` (XChaCha20-Poly1305, the
-- user id as associated data), never stored in clear: 'v1.' + base64url(nonce | ciphertext).
CREATE TABLE user_mfa (
    user_id        BIGINT NOT NULL PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    totp_secret    TEXT NOT NULL,
    totp_last_step BIGINT NOT NULL DEFAULT 0,  -- the last accepted 30 s step: a code is good once
    enabled_ms     BIGINT NOT NULL             -- epoch ms
);

-- The tickets of an MFA login and of an MFA-required answer, and the token that answers the
-- latter, are rows of account_secrets (kinds mfa_login_ticket, mfa_ticket, mfa_authorization).

-- Backup codes: ten per account, sealed like the secret (Discord shows them again on request).
CREATE TABLE mfa_backup_codes (
    user_id  BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,                 -- 0..9
    code     TEXT NOT NULL,
    consumed BOOLEAN NOT NULL DEFAULT 0,
    PRIMARY KEY (user_id, position)
);
