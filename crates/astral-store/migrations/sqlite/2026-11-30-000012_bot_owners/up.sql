-- Who runs a bot (`astral bots create --owner`): the person an operator contacts about it.
-- Grants the owner nothing in the API. A bot made without --owner has no row.
CREATE TABLE bot_owners (
    bot_id   BIGINT NOT NULL PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    owner_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE
);
CREATE INDEX bot_owners_owner ON bot_owners (owner_id);
