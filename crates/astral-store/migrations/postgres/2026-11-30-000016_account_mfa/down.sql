DROP TABLE mfa_backup_codes;
DROP TABLE user_mfa;
