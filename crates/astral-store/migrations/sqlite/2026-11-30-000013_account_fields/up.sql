-- The private account fields of issue 16 (Fluxer's PATCH /users/@me, Discord's private user),
-- in a table of their own rather than columns of users, which has 31 of the 32 columns diesel
-- is built for. A user without a row has every default (accounts made before this migration).
-- Keep in step with ../../postgres/: src/schema.rs serves both backends.
CREATE TABLE user_accounts (
    user_id                          BIGINT NOT NULL PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    pronouns                         TEXT,     -- Discord's/Fluxer's plain string, <= 40 characters
    password_changed_ms              BIGINT,   -- epoch ms; NULL: not since this migration
    premium_badge_hidden             BOOLEAN NOT NULL DEFAULT 0,
    premium_badge_masked             BOOLEAN NOT NULL DEFAULT 0,
    premium_badge_timestamp_hidden   BOOLEAN NOT NULL DEFAULT 0,
    premium_badge_sequence_hidden    BOOLEAN NOT NULL DEFAULT 0,
    premium_enabled_override         BOOLEAN NOT NULL DEFAULT 0,
    has_dismissed_premium_onboarding BOOLEAN NOT NULL DEFAULT 0,
    has_unread_gift_inventory        BOOLEAN NOT NULL DEFAULT 0,
    used_mobile_client               BOOLEAN NOT NULL DEFAULT 0,
    is_staff                         BOOLEAN NOT NULL DEFAULT 0,  -- the CLI only
    email_bounced                    BOOLEAN NOT NULL DEFAULT 0,  -- the mailer (a later workstream)
    acls                             TEXT NOT NULL DEFAULT '[]',   -- JSON string array, the CLI only
    traits                           TEXT NOT NULL DEFAULT '[]'    -- JSON string array, the CLI only
);
