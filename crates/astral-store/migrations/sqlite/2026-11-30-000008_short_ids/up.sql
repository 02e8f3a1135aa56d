-- Short ids (pronouns.cc's `sid`: 5 lowercase letters, unique), the badges bitmask, the
-- administrator mark and the time of the last short-id reroll (SQLite). Keep in step with
-- ../../postgres/ (same names, same columns): src/schema.rs serves both backends.
--
-- SQLite cannot add a NOT NULL column without a default, so `sid` defaults to '' until the
-- backfill below; the store always writes a real one (src/users.rs), and the unique index
-- refuses a second ''.
ALTER TABLE users ADD COLUMN sid TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN badges BIGINT NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN is_admin BOOLEAN NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN last_sid_reroll_ms BIGINT;  -- epoch ms; NULL: never rerolled

-- Existing users get distinct sids without a retry loop: n = (row number × 7368787) mod 26^5
-- is a bijection on 0 … 26^5 − 1 (7368787 is coprime with 26^5 = 2^5 × 13^5), written as 5
-- base-26 letters. Well-spread rather than a, b, c…; a deployment past 26^5 users cannot
-- exist (the space is full at 11,881,376).
UPDATE users SET sid = (
    SELECT char(97 + (n / 456976) % 26) || char(97 + (n / 17576) % 26)
        || char(97 + (n / 676) % 26) || char(97 + (n / 26) % 26) || char(97 + n % 26)
    FROM (
        SELECT id AS numbered_id, (ROW_NUMBER() OVER (ORDER BY id) * 7368787) % 11881376 AS n
        FROM users
    ) AS numbered
    WHERE numbered.numbered_id = users.id
);

CREATE UNIQUE INDEX users_sid ON users (sid);
