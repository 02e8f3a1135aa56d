ALTER TABLE tokens DROP COLUMN client_platform;
ALTER TABLE tokens DROP COLUMN client_os;
ALTER TABLE tokens DROP COLUMN last_used_ms;
DROP INDEX user_lifecycle_deletion_due;
DROP TABLE user_lifecycle;
