DROP INDEX guild_invites_guild;
