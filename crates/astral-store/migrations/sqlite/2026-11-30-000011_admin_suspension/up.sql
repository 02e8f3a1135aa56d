-- An administrator's suspension of an account (`astral users suspend`), apart from the user's
-- own disabling (a later issue). A row means suspended: the user's tokens do not authenticate
-- and logging in is refused (403 / 20013). Removed by `astral users unsuspend`. A table of its
-- own rather than columns of users, which has 31 of the 32 columns diesel is built for.
CREATE TABLE user_suspensions (
    user_id         BIGINT NOT NULL PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    suspended_at_ms BIGINT NOT NULL,  -- epoch ms
    reason          TEXT               -- the administrator's note; never sent to the user
);
