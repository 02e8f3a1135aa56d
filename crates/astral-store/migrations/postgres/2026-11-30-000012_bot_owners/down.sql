DROP TABLE bot_owners;
