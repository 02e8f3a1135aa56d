-- The change feed of the token cache (crates/astral-store/src/token_cache.rs, docs/performance.md):
-- every change to a row that a token lookup reads (tokens, users, user_accounts,
-- user_suspensions, user_pride_flags, profile_members) sends the user it concerns on the channel
-- `astral_user_changes`, from any process (the server, another instance, the `astral` CLI);
-- each instance listens and drops those users from its cache. PostgreSQL delivers a
-- transaction's notifications when it commits, in commit order, which a sequence would not give
-- (its values can commit out of order). The SQLite migration keeps the feed in the table
-- `user_changes`; here it stays empty, so that src/schema.rs serves both backends.
CREATE TABLE user_changes (
    seq     INTEGER NOT NULL PRIMARY KEY,
    user_id BIGINT  NOT NULL
);

-- TG_ARGV[0] names the column that holds the user's id.
CREATE FUNCTION astral_user_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        PERFORM pg_notify('astral_user_changes', to_jsonb(OLD) ->> TG_ARGV[0]);
    END IF;
    IF TG_OP <> 'DELETE' THEN
        PERFORM pg_notify('astral_user_changes', to_jsonb(NEW) ->> TG_ARGV[0]);
    END IF;
    RETURN NULL;
END
$$;

-- A new token needs no entry: an unknown token is never cached. Recording a token's last use
-- changes nothing a lookup answers from the cache (the cache keeps its own copy of it).
CREATE TRIGGER tokens_changed AFTER DELETE OR UPDATE OF id, user_id, secret_hash ON tokens
    FOR EACH ROW EXECUTE FUNCTION astral_user_changed('user_id');
-- A new user has no token yet.
CREATE TRIGGER users_changed AFTER UPDATE OR DELETE ON users
    FOR EACH ROW EXECUTE FUNCTION astral_user_changed('id');
CREATE TRIGGER user_accounts_changed AFTER INSERT OR UPDATE OR DELETE ON user_accounts
    FOR EACH ROW EXECUTE FUNCTION astral_user_changed('user_id');
CREATE TRIGGER user_suspensions_changed AFTER INSERT OR UPDATE OR DELETE ON user_suspensions
    FOR EACH ROW EXECUTE FUNCTION astral_user_changed('user_id');
CREATE TRIGGER user_pride_flags_changed AFTER INSERT OR UPDATE OR DELETE ON user_pride_flags
    FOR EACH ROW EXECUTE FUNCTION astral_user_changed('user_id');
CREATE TRIGGER profile_members_changed AFTER INSERT OR DELETE OR UPDATE OF owner_id ON profile_members
    FOR EACH ROW EXECUTE FUNCTION astral_user_changed('owner_id');
