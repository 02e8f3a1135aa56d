DROP TABLE user_suspensions;
