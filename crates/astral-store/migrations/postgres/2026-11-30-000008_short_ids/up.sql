-- Short ids (pronouns.cc's `sid`: 5 lowercase letters, unique), the badges bitmask, the
-- administrator mark and the time of the last short-id reroll (PostgreSQL). Keep in step with
-- ../../sqlite/ (same names, same columns): src/schema.rs serves both backends.
ALTER TABLE users ADD COLUMN sid TEXT;
ALTER TABLE users ADD COLUMN badges BIGINT NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN is_admin BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE users ADD COLUMN last_sid_reroll_ms BIGINT;  -- epoch ms; NULL: never rerolled

-- Existing users get distinct sids without a retry loop: n = (row number × 7368787) mod 26^5
-- is a bijection on 0 … 26^5 − 1 (7368787 is coprime with 26^5 = 2^5 × 13^5), written as 5
-- base-26 letters. The same formula as the SQLite migration.
UPDATE users SET sid = numbered.sid
FROM (
    SELECT id,
        chr(97 + ((n / 456976) % 26)::int) || chr(97 + ((n / 17576) % 26)::int)
            || chr(97 + ((n / 676) % 26)::int) || chr(97 + ((n / 26) % 26)::int)
            || chr(97 + (n % 26)::int) AS sid
    FROM (
        SELECT id, (ROW_NUMBER() OVER (ORDER BY id) * 7368787) % 11881376 AS n FROM users
    ) AS by_row
) AS numbered
WHERE numbered.id = users.id;

ALTER TABLE users ALTER COLUMN sid SET NOT NULL;
CREATE UNIQUE INDEX users_sid ON users (sid);
