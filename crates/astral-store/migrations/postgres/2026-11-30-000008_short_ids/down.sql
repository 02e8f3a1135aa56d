DROP INDEX users_sid;
ALTER TABLE users DROP COLUMN last_sid_reroll_ms;
ALTER TABLE users DROP COLUMN is_admin;
ALTER TABLE users DROP COLUMN badges;
ALTER TABLE users DROP COLUMN sid;
