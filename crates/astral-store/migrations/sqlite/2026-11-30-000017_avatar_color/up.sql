-- The mean colour of a user's avatar (Discord's and Fluxer's `avatar_color`, 0xRRGGBB), computed
-- when the avatar is uploaded; NULL without an avatar, for a fully transparent one, and for
-- avatars uploaded before this column. Keep in step with ../../postgres/: src/schema.rs serves both.
ALTER TABLE user_accounts ADD COLUMN avatar_color INTEGER;
