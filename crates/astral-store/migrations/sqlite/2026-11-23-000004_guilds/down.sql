DROP TABLE guild_invites;
DROP TABLE guild_members;
DROP TABLE guilds;
