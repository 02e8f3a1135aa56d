-- Guilds: only what the users resource needs (membership, invites, the owner).
CREATE TABLE guilds (
    id       BIGINT PRIMARY KEY NOT NULL,  -- snowflake
    name     TEXT   NOT NULL,
    icon     TEXT,
    banner   TEXT,
    owner_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE
);

-- The primary key makes a duplicate membership impossible, even under races.
CREATE TABLE guild_members (
    guild_id     BIGINT NOT NULL REFERENCES guilds (id) ON DELETE CASCADE,
    user_id      BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    joined_at_ms BIGINT NOT NULL,
    PRIMARY KEY (guild_id, user_id)
);

-- Keyset pagination of a user's guilds by id.
CREATE UNIQUE INDEX guild_members_user_guild ON guild_members (user_id, guild_id);

CREATE TABLE guild_invites (
    code       TEXT   PRIMARY KEY NOT NULL,
    guild_id   BIGINT NOT NULL REFERENCES guilds (id) ON DELETE CASCADE,
    inviter_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE
);
