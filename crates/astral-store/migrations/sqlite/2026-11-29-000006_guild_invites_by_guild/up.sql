-- The per-guild invite cap counts a guild's invites on every new one: an index range, not a
-- scan of every invite.
CREATE INDEX guild_invites_guild ON guild_invites (guild_id);
