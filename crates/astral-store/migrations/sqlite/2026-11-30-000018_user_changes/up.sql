-- The change feed of the token cache (crates/astral-store/src/token_cache.rs, docs/performance.md):
-- every change to a row that a token lookup reads (tokens, users, user_accounts,
-- user_suspensions, user_pride_flags, profile_members) appends the user it concerns, from any
-- process (the server, another instance, the `astral` CLI). Each instance reads the rows after
-- the last one it read and drops those users from its cache. SQLite lets one writer in at a
-- time, so `seq` order is commit order; AUTOINCREMENT never hands a committed `seq` out again,
-- so a gap in what an instance reads means rows were pruned before it read them, and it drops
-- its whole cache. Only the last 10000 rows are kept. Keep in step with ../../postgres/ (there
-- the same triggers send NOTIFY and this table stays empty: src/schema.rs serves both).
CREATE TABLE user_changes (
    seq     INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    user_id BIGINT  NOT NULL
);

CREATE TRIGGER user_changes_window AFTER INSERT ON user_changes BEGIN
    DELETE FROM user_changes WHERE seq <= NEW.seq - 10000;
END;

-- A new token needs no entry: an unknown token is never cached. Recording a token's last use
-- changes nothing a lookup answers from the cache (the cache keeps its own copy of it).
CREATE TRIGGER tokens_changed_delete AFTER DELETE ON tokens BEGIN
    INSERT INTO user_changes (user_id) VALUES (OLD.user_id);
END;
CREATE TRIGGER tokens_changed_update AFTER UPDATE OF id, user_id, secret_hash ON tokens BEGIN
    INSERT INTO user_changes (user_id) VALUES (OLD.user_id);
    INSERT INTO user_changes (user_id) SELECT NEW.user_id WHERE NEW.user_id <> OLD.user_id;
END;

-- A new user has no token yet.
CREATE TRIGGER users_changed_update AFTER UPDATE ON users BEGIN
    INSERT INTO user_changes (user_id) VALUES (OLD.id);
END;
CREATE TRIGGER users_changed_delete AFTER DELETE ON users BEGIN
    INSERT INTO user_changes (user_id) VALUES (OLD.id);
END;

CREATE TRIGGER user_accounts_changed_insert AFTER INSERT ON user_accounts BEGIN
    INSERT INTO user_changes (user_id) VALUES (NEW.user_id);
END;
CREATE TRIGGER user_accounts_changed_update AFTER UPDATE ON user_accounts BEGIN
    INSERT INTO user_changes (user_id) VALUES (OLD.user_id);
END;
CREATE TRIGGER user_accounts_changed_delete AFTER DELETE ON user_accounts BEGIN
    INSERT INTO user_changes (user_id) VALUES (OLD.user_id);
END;

CREATE TRIGGER user_suspensions_changed_insert AFTER INSERT ON user_suspensions BEGIN
    INSERT INTO user_changes (user_id) VALUES (NEW.user_id);
END;
CREATE TRIGGER user_suspensions_changed_update AFTER UPDATE ON user_suspensions BEGIN
    INSERT INTO user_changes (user_id) VALUES (OLD.user_id);
END;
CREATE TRIGGER user_suspensions_changed_delete AFTER DELETE ON user_suspensions BEGIN
    INSERT INTO user_changes (user_id) VALUES (OLD.user_id);
END;

CREATE TRIGGER user_pride_flags_changed_insert AFTER INSERT ON user_pride_flags BEGIN
    INSERT INTO user_changes (user_id) VALUES (NEW.user_id);
END;
CREATE TRIGGER user_pride_flags_changed_update AFTER UPDATE ON user_pride_flags BEGIN
    INSERT INTO user_changes (user_id) VALUES (OLD.user_id);
END;
CREATE TRIGGER user_pride_flags_changed_delete AFTER DELETE ON user_pride_flags BEGIN
    INSERT INTO user_changes (user_id) VALUES (OLD.user_id);
END;

CREATE TRIGGER profile_members_changed_insert AFTER INSERT ON profile_members BEGIN
    INSERT INTO user_changes (user_id) VALUES (NEW.owner_id);
END;
CREATE TRIGGER profile_members_changed_update AFTER UPDATE OF owner_id ON profile_members BEGIN
    INSERT INTO user_changes (user_id) VALUES (OLD.owner_id);
    INSERT INTO user_changes (user_id) SELECT NEW.owner_id WHERE NEW.owner_id <> OLD.owner_id;
END;
CREATE TRIGGER profile_members_changed_delete AFTER DELETE ON profile_members BEGIN
    INSERT INTO user_changes (user_id) VALUES (OLD.owner_id);
END;
