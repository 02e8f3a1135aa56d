-- The change feed's trigger function (000018) also lists, in the transaction-local setting
-- `astral.changed_users`, the users the transaction changed (ids followed by a comma, each
-- once). A write transaction of this process reads it just before its commit and drops those
-- users from its own token cache after the commit (crates/astral-store/src/lib.rs,
-- `WriteConnection::transaction`), instead of sending a marker notification and waiting for its
-- own listener to receive it. Past 4000 characters the list becomes '*': "too many, use the
-- marker". The notifications are unchanged: the other instances still need them.
CREATE OR REPLACE FUNCTION astral_user_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    changed text := coalesce(current_setting('astral.changed_users', true), '');
    users   text[] := ARRAY[]::text[];
    user_id text;
BEGIN
    IF TG_OP <> 'INSERT' THEN
        users := users || (to_jsonb(OLD) ->> TG_ARGV[0]);
    END IF;
    IF TG_OP <> 'DELETE' THEN
        users := users || (to_jsonb(NEW) ->> TG_ARGV[0]);
    END IF;
    FOREACH user_id IN ARRAY users LOOP
        PERFORM pg_notify('astral_user_changes', user_id);
        IF user_id IS NULL OR length(changed) > 4000 THEN
            changed := '*';
        ELSIF changed <> '*' AND position(',' || user_id || ',' IN ',' || changed) = 0 THEN
            changed := changed || user_id || ',';
        END IF;
    END LOOP;
    PERFORM set_config('astral.changed_users', changed, true);
    RETURN NULL;
END
$$;
