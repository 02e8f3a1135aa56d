-- pronouns.cc profiles (postgres). Keep in step with ../../sqlite/ (same names, same
-- columns): src/schema.rs serves both backends. The list- and map-shaped values are JSON text,
-- the same on both backends, written and read only through astral-types' checked shapes
-- (limits: docs/profiles.md). created_at is not stored: the snowflake id holds it.
ALTER TABLE users ADD COLUMN bio TEXT;
ALTER TABLE users ADD COLUMN member_title TEXT;
ALTER TABLE users ADD COLUMN links TEXT NOT NULL DEFAULT '[]';
ALTER TABLE users ADD COLUMN names TEXT NOT NULL DEFAULT '[]';
ALTER TABLE users ADD COLUMN pronoun_entries TEXT NOT NULL DEFAULT '[]';
ALTER TABLE users ADD COLUMN fields TEXT NOT NULL DEFAULT '[]';
ALTER TABLE users ADD COLUMN timezone TEXT;
ALTER TABLE users ADD COLUMN list_private BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE users ADD COLUMN custom_preferences TEXT NOT NULL DEFAULT '{}';
