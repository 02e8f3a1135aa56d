// One diesel schema for both backends; the migrations under migrations/{sqlite,postgres} must
// produce these exact tables, columns, types, nullability and primary keys:
// tests/schema_parity.rs migrates a fresh database of each backend and compares.

diesel::table! {
    users (id) {
        id -> BigInt,
        username -> Text,
        username_key -> Text,
        discriminator -> Text,
        global_name -> Nullable<Text>,
        avatar -> Nullable<Text>,
        banner -> Nullable<Text>,
        accent_color -> Nullable<Integer>,
        locale -> Text,
        email -> Nullable<Text>,
        email_key -> Nullable<Text>,
        verified -> Bool,
        password_hash -> Nullable<Text>,
        bot -> Bool,
        system -> Bool,
        mfa_enabled -> Bool,
        flags -> BigInt,
        premium_type -> Integer,
        bio -> Nullable<Text>,
        member_title -> Nullable<Text>,
        links -> Text,
        names -> Text,
        pronoun_entries -> Text,
        fields -> Text,
        timezone -> Nullable<Text>,
        list_private -> Bool,
        custom_preferences -> Text,
        sid -> Text,
        badges -> BigInt,
        is_admin -> Bool,
        last_sid_reroll_ms -> Nullable<BigInt>,
    }
}

diesel::table! {
    tokens (id) {
        id -> BigInt,
        user_id -> BigInt,
        secret_hash -> Text,
        last_used_ms -> Nullable<BigInt>,
        client_os -> Nullable<Text>,
        client_platform -> Nullable<Text>,
    }
}

diesel::joinable!(tokens -> users (user_id));
diesel::allow_tables_to_appear_in_same_query!(
    users,
    tokens,
    user_images,
    relationships,
    guilds,
    guild_members,
    guild_invites,
    channels,
    channel_recipients,
    pride_flags,
    user_pride_flags,
    profile_members,
    profile_member_images,
    user_suspensions,
    bot_owners,
    user_accounts,
    // issue 16 D
    user_lifecycle,
    // issue 16 B
    account_secrets,
    mail_outbox,
    // issue 16 C
    user_mfa,
    mfa_backup_codes,
    // issue 18
    user_changes,
);

diesel::table! {
    user_images (user_id, kind, hash) {
        user_id -> BigInt,
        kind -> Text,
        hash -> Text,
    }
}

diesel::joinable!(user_images -> users (user_id));

diesel::table! {
    relationships (user_id, other_id) {
        user_id -> BigInt,
        other_id -> BigInt,
        kind -> Integer,
        nickname -> Nullable<Text>,
        since_ms -> BigInt,
    }
}

diesel::table! {
    guilds (id) {
        id -> BigInt,
        name -> Text,
        icon -> Nullable<Text>,
        banner -> Nullable<Text>,
        owner_id -> BigInt,
    }
}

diesel::table! {
    guild_members (guild_id, user_id) {
        guild_id -> BigInt,
        user_id -> BigInt,
        joined_at_ms -> BigInt,
    }
}

diesel::table! {
    guild_invites (code) {
        code -> Text,
        guild_id -> BigInt,
        inviter_id -> BigInt,
    }
}

diesel::joinable!(guild_members -> guilds (guild_id));
diesel::joinable!(guild_invites -> guilds (guild_id));

diesel::table! {
    channels (id) {
        id -> BigInt,
        kind -> Integer,
        name -> Nullable<Text>,
        icon -> Nullable<Text>,
        owner_id -> Nullable<BigInt>,
        dm_key -> Nullable<Text>,
    }
}

diesel::table! {
    channel_recipients (channel_id, user_id) {
        channel_id -> BigInt,
        user_id -> BigInt,
        open -> Bool,
    }
}

diesel::joinable!(channel_recipients -> channels (channel_id));

diesel::table! {
    pride_flags (id) {
        id -> BigInt,
        user_id -> BigInt,
        hash -> Text,
        name -> Text,
        description -> Nullable<Text>,
    }
}

diesel::table! {
    profile_members (id) {
        id -> BigInt,
        owner_id -> BigInt,
        sid -> Text,
        name -> Text,
        name_key -> Text,
        display_name -> Nullable<Text>,
        bio -> Nullable<Text>,
        avatar -> Nullable<Text>,
        links -> Text,
        names -> Text,
        pronoun_entries -> Text,
        fields -> Text,
        hidden -> Bool,
    }
}

diesel::table! {
    user_pride_flags (user_id, position) {
        user_id -> BigInt,
        position -> Integer,
        flag_id -> BigInt,
    }
}

diesel::joinable!(pride_flags -> users (user_id));
diesel::joinable!(user_pride_flags -> pride_flags (flag_id));

diesel::table! {
    profile_member_images (member_id, hash) {
        member_id -> BigInt,
        hash -> Text,
    }
}

diesel::joinable!(profile_members -> users (owner_id));
diesel::joinable!(profile_member_images -> profile_members (member_id));

diesel::table! {
    user_suspensions (user_id) {
        user_id -> BigInt,
        suspended_at_ms -> BigInt,
        reason -> Nullable<Text>,
    }
}

diesel::joinable!(user_suspensions -> users (user_id));

diesel::table! {
    bot_owners (bot_id) {
        bot_id -> BigInt,
        owner_id -> BigInt,
    }
}

// issue 16 A: the private account fields (one row per user, absent = defaults).
diesel::table! {
    user_accounts (user_id) {
        user_id -> BigInt,
        pronouns -> Nullable<Text>,
        password_changed_ms -> Nullable<BigInt>,
        premium_badge_hidden -> Bool,
        premium_badge_masked -> Bool,
        premium_badge_timestamp_hidden -> Bool,
        premium_badge_sequence_hidden -> Bool,
        premium_enabled_override -> Bool,
        has_dismissed_premium_onboarding -> Bool,
        has_unread_gift_inventory -> Bool,
        used_mobile_client -> Bool,
        is_staff -> Bool,
        email_bounced -> Bool,
        acls -> Text,
        traits -> Text,
        avatar_color -> Nullable<Integer>,
    }
}

diesel::joinable!(user_accounts -> users (user_id));
// issue 16 D: a person's own disabling / deletion (no row: active).
diesel::table! {
    user_lifecycle (user_id) {
        user_id -> BigInt,
        disabled_ms -> Nullable<BigInt>,
        deletion_due_ms -> Nullable<BigInt>,
        deleted_ms -> Nullable<BigInt>,
    }
}

diesel::joinable!(user_lifecycle -> users (user_id));
// issue 16 B: mailed single-use secrets and the mail outbox.
diesel::table! {
    account_secrets (id) {
        id -> BigInt,
        user_id -> BigInt,
        kind -> Text,
        secret_hash -> Text,
        detail -> Nullable<Text>,
        expires_ms -> BigInt,
        attempts -> Integer,
    }
}

diesel::joinable!(account_secrets -> users (user_id));

diesel::table! {
    mail_outbox (id) {
        id -> BigInt,
        recipient -> Text,
        kind -> Text,
        subject -> Text,
        body -> Text,
        expires_ms -> BigInt,
    }
}

// issue 16 C: two-factor authentication (sealed TOTP secrets and backup codes).
diesel::table! {
    user_mfa (user_id) {
        user_id -> BigInt,
        totp_secret -> Text,
        totp_last_step -> BigInt,
        enabled_ms -> BigInt,
    }
}

diesel::joinable!(user_mfa -> users (user_id));

diesel::table! {
    mfa_backup_codes (user_id, position) {
        user_id -> BigInt,
        position -> Integer,
        code -> Text,
        consumed -> Bool,
    }
}

diesel::joinable!(mfa_backup_codes -> users (user_id));

// The token cache's change feed (migrations 000018): filled by triggers on SQLite, empty on
// PostgreSQL (NOTIFY instead). `seq` is SQLite's rowid, read as a 64-bit integer by
// `token_cache`'s own query.
diesel::table! {
    user_changes (seq) {
        seq -> Integer,
        user_id -> BigInt,
    }
}
