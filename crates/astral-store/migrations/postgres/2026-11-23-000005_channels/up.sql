-- DM (kind 1) and group DM (kind 3) channels.
CREATE TABLE channels (
    id       BIGINT  PRIMARY KEY NOT NULL,  -- snowflake
    kind     INTEGER NOT NULL CHECK (kind IN (1, 3)),
    name     TEXT,
    icon     TEXT,
    owner_id BIGINT  REFERENCES users (id) ON DELETE SET NULL,
    -- For a 1:1 DM: "<smaller id>:<larger id>". Unique, so the pair can never get two DMs,
    -- even when both open one at the same moment. NULL for group DMs.
    dm_key   TEXT    UNIQUE
);

-- `open`: a closed DM is hidden from that recipient's list until it is opened again.
CREATE TABLE channel_recipients (
    channel_id BIGINT  NOT NULL REFERENCES channels (id) ON DELETE CASCADE,
    user_id    BIGINT  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    open       BOOLEAN NOT NULL,
    PRIMARY KEY (channel_id, user_id)
);

CREATE INDEX channel_recipients_user ON channel_recipients (user_id);
