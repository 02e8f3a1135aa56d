-- pronouns.cc's members: profiles a user keeps under their account (headmates, characters,
-- personas). Not guild members. The lists (links, names, pronoun entries, fields) are TEXT
-- holding JSON, the same on both backends; they are only ever read and written whole.
CREATE TABLE profile_members (
    id              BIGINT  NOT NULL PRIMARY KEY,
    owner_id        BIGINT  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    sid             TEXT    NOT NULL,
    name            TEXT    NOT NULL,
    -- The name lowercased: names are unique per owner ignoring case, decided by the index
    -- below so that two concurrent creates cannot both win.
    name_key        TEXT    NOT NULL,
    display_name    TEXT,
    bio             TEXT,
    avatar          TEXT,
    links           TEXT    NOT NULL,
    names           TEXT    NOT NULL,
    pronoun_entries TEXT    NOT NULL,
    fields          TEXT    NOT NULL,
    hidden          BOOLEAN NOT NULL
);
CREATE UNIQUE INDEX profile_members_sid_key ON profile_members (sid);
CREATE UNIQUE INDEX profile_members_name_key ON profile_members (owner_id, name_key);
-- An owner's list, in id order (keyset paging), and the per-owner count.
CREATE INDEX profile_members_owner ON profile_members (owner_id, id);
-- Every avatar hash a member has had, so /member-avatars/{member_id}/{hash} serves old URLs
-- and a hash only under the member it was uploaded for.
CREATE TABLE profile_member_images (
    member_id BIGINT NOT NULL REFERENCES profile_members (id) ON DELETE CASCADE,
    hash      TEXT   NOT NULL,
    PRIMARY KEY (member_id, hash)
);
