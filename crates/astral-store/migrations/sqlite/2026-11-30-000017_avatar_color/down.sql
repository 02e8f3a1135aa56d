ALTER TABLE user_accounts DROP COLUMN avatar_color;
