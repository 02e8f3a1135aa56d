DROP TRIGGER profile_members_changed ON profile_members;
DROP TRIGGER user_pride_flags_changed ON user_pride_flags;
DROP TRIGGER user_suspensions_changed ON user_suspensions;
DROP TRIGGER user_accounts_changed ON user_accounts;
DROP TRIGGER users_changed ON users;
DROP TRIGGER tokens_changed ON tokens;
DROP FUNCTION astral_user_changed();
DROP TABLE user_changes;
