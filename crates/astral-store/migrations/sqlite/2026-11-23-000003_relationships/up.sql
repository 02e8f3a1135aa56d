-- Relationships, one row per direction (Discord numbering): 1 friend, 2 blocked, 3 incoming
-- request, 4 outgoing request. A pending request is a 4 on the sender's side and a 3 on the
-- receiver's; a friendship is a 1 on both; a block is a 2 on the blocker's side only.
CREATE TABLE relationships (
    user_id  BIGINT  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    other_id BIGINT  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind     INTEGER NOT NULL CHECK (kind IN (1, 2, 3, 4)),
    nickname TEXT,
    since_ms BIGINT  NOT NULL,
    PRIMARY KEY (user_id, other_id)
);

CREATE INDEX relationships_other_id ON relationships (other_id);
