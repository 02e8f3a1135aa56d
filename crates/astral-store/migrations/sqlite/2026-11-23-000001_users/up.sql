-- Users and their API tokens (SQLite). Keep in step with ../../postgres/ (same names, same
-- columns): src/schema.rs serves both backends.
CREATE TABLE users (
    id            BIGINT  PRIMARY KEY NOT NULL,  -- snowflake
    username      TEXT    NOT NULL,
    username_key  TEXT    NOT NULL UNIQUE,       -- lowercased username: uniqueness ignores case
    discriminator TEXT    NOT NULL,
    global_name   TEXT,
    avatar        TEXT,
    banner        TEXT,
    accent_color  INTEGER,
    locale        TEXT    NOT NULL DEFAULT 'en-US',
    email         TEXT,
    email_key     TEXT    UNIQUE,                -- lowercased email
    verified      BOOLEAN NOT NULL DEFAULT 0,
    password_hash TEXT,                          -- argon2id PHC string; NULL for bots
    bot           BOOLEAN NOT NULL DEFAULT 0,
    system        BOOLEAN NOT NULL DEFAULT 0,
    mfa_enabled   BOOLEAN NOT NULL DEFAULT 0,
    flags         BIGINT  NOT NULL DEFAULT 0,
    premium_type  INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE tokens (
    id          BIGINT PRIMARY KEY NOT NULL,     -- snowflake; its timestamp is the issue time
    user_id     BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    secret_hash TEXT   NOT NULL UNIQUE           -- hex SHA-256 of the token's secret part
);

CREATE INDEX tokens_user_id ON tokens (user_id);
