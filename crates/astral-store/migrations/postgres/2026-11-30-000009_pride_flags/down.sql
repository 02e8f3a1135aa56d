DROP TABLE user_pride_flags;
DROP TABLE pride_flags;
