-- Every avatar and banner hash a user has uploaded. Serving /avatars/{user_id}/{hash} checks
-- this table, so old URLs keep working and a hash is served only under its uploader's id.
CREATE TABLE user_images (
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind    TEXT   NOT NULL,  -- 'avatar' or 'banner'
    hash    TEXT   NOT NULL,
    PRIMARY KEY (user_id, kind, hash)
);
