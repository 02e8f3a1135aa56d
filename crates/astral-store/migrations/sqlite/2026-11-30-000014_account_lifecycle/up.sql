-- Account lifecycle and sessions (issue 16, workstream D). Keep in step with ../../postgres/:
-- src/schema.rs serves both backends.
--
-- A person's own disabling or deletion of their account (`POST /users/@me/disable`,
-- `/users/@me/delete`), apart from an administrator's suspension (user_suspensions). A table
-- of its own rather than columns of users, which has 31 of the 32 columns diesel is built for.
-- No row: the account is active.
CREATE TABLE user_lifecycle (
    user_id         BIGINT NOT NULL PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    disabled_ms     BIGINT,  -- epoch ms: disabled (or deleting) since; NULL once restored
    deletion_due_ms BIGINT,  -- epoch ms: purge the account's data after this
    deleted_ms      BIGINT   -- epoch ms: purged; the users row is a tombstone ("Deleted User")
);
CREATE INDEX user_lifecycle_deletion_due ON user_lifecycle (deletion_due_ms);

-- Sessions are tokens (`GET /auth/sessions`).
ALTER TABLE tokens ADD COLUMN last_used_ms BIGINT;      -- epoch ms; written at most every 5 min
ALTER TABLE tokens ADD COLUMN client_os TEXT;           -- from the login's User-Agent
ALTER TABLE tokens ADD COLUMN client_platform TEXT;
