-- A user's pride flags (pronouns.cc's flag library): the image's content hash (a normalised
-- WebP served at /flags/{hash}.webp), a name and an optional description. At most
-- MAX_PRIDE_FLAGS per user, counted under the user's row lock when one is created.
CREATE TABLE pride_flags (
    id          BIGINT PRIMARY KEY NOT NULL,  -- snowflake
    user_id     BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    hash        TEXT   NOT NULL,
    name        TEXT   NOT NULL,
    description TEXT
);

CREATE INDEX pride_flags_user ON pride_flags (user_id, id);
-- The CDN route serves a hash only while some flag has it.
CREATE INDEX pride_flags_hash ON pride_flags (hash);

-- The flags a user shows on their profile (`pride_flags`), in `position` order. Deleting a
-- flag removes it from here (ON DELETE CASCADE); a flag appears at most once.
CREATE TABLE user_pride_flags (
    user_id  BIGINT  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    flag_id  BIGINT  NOT NULL UNIQUE REFERENCES pride_flags (id) ON DELETE CASCADE,
    PRIMARY KEY (user_id, position)
);
