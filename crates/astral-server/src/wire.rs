//! Store records to wire objects, in one place: handlers call these and never build a wire
//! object themselves.

use astral_store::{
    ChannelRecord, GuildRecord, GuildWithCount, InviteRecord, ListedGuild, MemberRecord,
    PrideFlagRecord, PrivateUserRecord, ProfileColumns, ProfileMemberRecord, ProfileRecord,
    Relationship as RelationshipRecord, UserRecord, UserWithProfileRecord, DM,
};
use astral_types::channel::PrivateChannel;
use astral_types::guild::{
    Guild, GuildMember, Invite, MutualGuild, MyGuild, UserProfile, UserProfileMetadata,
};
use astral_types::member::{PartialProfileMember, ProfileMember};
use astral_types::pride_flag::PrideFlag;
use astral_types::profile::utc_offset;
use astral_types::user::{
    PrivateUserWithProfile, Relationship, User, UserWithProfile, PUBLIC_FLAGS_MASK,
    REQUIRE_VERIFIED_EMAIL,
};
use astral_types::UserId;
use time::format_description::FormatItem;
use time::macros::format_description;
use time::OffsetDateTime;

fn public_flags(record: &UserRecord) -> i32 {
    // Discord's public flags fit in 31 bits; the mask keeps the cast lossless.
    (record.flags & PUBLIC_FLAGS_MASK & 0x7fff_ffff) as i32
}

/// What anyone may see of a user.
pub fn public_user(record: &UserRecord) -> User {
    User {
        id: record.user_id(),
        username: record.username.clone(),
        discriminator: record.discriminator.clone(),
        global_name: record.global_name.clone(),
        avatar: record.avatar.clone(),
        bot: record.bot,
        system: record.system,
        banner: record.banner.clone(),
        accent_color: record.accent_color,
        public_flags: public_flags(record),
        flags: i64::from(public_flags(record)),
        primary_guild: None,
    }
}

/// When the account was created: its id's timestamp, in Discord's form.
fn created_at(record: &UserRecord) -> String {
    let ms = record.user_id().0.timestamp_ms();
    iso8601(i64::try_from(ms).unwrap_or(i64::MAX))
}

/// The offset of the profile's time zone from UTC now, in seconds.
fn current_utc_offset(profile: &ProfileColumns) -> Option<i32> {
    profile.timezone.as_deref().and_then(|zone| utc_offset(zone, jiff::Timestamp::now()))
}

/// A user with their profile, built once for both shapes (`UserWithProfile`,
/// `PrivateUserWithProfile`): the fields of `$public` (a [`User`]), the record's `sid` and
/// `badges`, its profile and the lists read with it, then the shape's own fields.
macro_rules! with_profile {
    ($wire:ident from $public:ident, $record:ident { $($field:ident: $value:expr),* $(,)? }) => {{
        let UserWithProfileRecord { user, profile, pride_flags, members } = $record;
        let public: User = $public;
        $wire {
            id: public.id,
            username: public.username,
            discriminator: public.discriminator,
            global_name: public.global_name,
            avatar: public.avatar,
            bot: public.bot,
            system: public.system,
            banner: public.banner,
            accent_color: public.accent_color,
            public_flags: public.public_flags,
            flags: public.flags,
            primary_guild: public.primary_guild,
            sid: user.sid.clone(),
            badges: user.badges,
            bio: profile.bio.clone(),
            member_title: profile.member_title.clone(),
            links: profile.links.0.clone(),
            names: profile.names.0.clone(),
            pronoun_entries: profile.pronoun_entries.0.clone(),
            fields: profile.fields.0.clone(),
            utc_offset: current_utc_offset(profile),
            custom_preferences: profile.custom_preferences.0.clone(),
            pride_flags: pride_flags.iter().map(pride_flag).collect(),
            members: members.iter().map(partial_member).collect(),
            $($field: $value),*
        }
    }};
}

/// A user with their profile as `viewer` sees it: the self-only fields (`created_at`,
/// `timezone`, `list_private`, `is_admin`, `last_sid_reroll`) only when the viewer is that
/// user. The members are those the store read for that viewer.
pub fn user_with_profile(
    record: &UserWithProfileRecord,
    viewer: Option<UserId>,
) -> UserWithProfile {
    let (user, profile) = (&record.user, &record.profile);
    let public = public_user(user);
    let is_self = viewer == Some(public.id);
    with_profile!(UserWithProfile from public, record {
        created_at: is_self.then(|| created_at(user)),
        timezone: is_self.then(|| profile.timezone.clone()),
        list_private: is_self.then_some(profile.list_private),
        is_admin: is_self.then_some(user.is_admin),
        last_sid_reroll: is_self.then(|| user.last_sid_reroll_ms.map(iso8601)),
    })
}

/// The caller's own account with their profile: the public projection plus the private and
/// self-only fields, with all flags rather than only the public ones.
pub fn private_user_with_profile(record: &PrivateUserRecord) -> PrivateUserWithProfile {
    let account = &record.account;
    let record = &record.user;
    let (user, profile) = (&record.user, &record.profile);
    let public = User { flags: user.flags, ..public_user(user) };
    // The avatar's mean colour (computed at upload); without a banner, Discord shows it there.
    let mean_colour = account.avatar_color;
    let default_banner_colour = if user.banner.is_none() { mean_colour } else { None };
    let email_unverified = user.email.is_some() && (!user.verified || account.email_bounced);
    with_profile!(PrivateUserWithProfile from public, record {
        pronouns: account.pronouns.clone(),
        avatar_color: mean_colour,
        banner_color: default_banner_colour,
        phone: None,
        // Discord's numbering: 2 is TOTP (Fluxer's is 0; docs/api.md's seed conflicts).
        authenticator_types: if user.mfa_enabled { vec![2] } else { Vec::new() },
        is_staff: account.is_staff,
        acls: account.acls.0.clone(),
        traits: account.traits.0.clone(),
        premium_since: None,
        premium_until: None,
        premium_will_cancel: false,
        premium_billing_cycle: None,
        premium_lifetime_sequence: None,
        premium_badge_hidden: account.premium_badge_hidden,
        premium_badge_masked: account.premium_badge_masked,
        premium_badge_timestamp_hidden: account.premium_badge_timestamp_hidden,
        premium_badge_sequence_hidden: account.premium_badge_sequence_hidden,
        premium_purchase_disabled: true,
        premium_enabled_override: account.premium_enabled_override,
        password_last_changed_at: account.password_changed_ms.map(iso8601),
        required_actions: if email_unverified {
            vec![REQUIRE_VERIFIED_EMAIL.to_owned()]
        } else {
            Vec::new()
        },
        nsfw_allowed: None,
        has_dismissed_premium_onboarding: account.has_dismissed_premium_onboarding,
        has_ever_purchased: false,
        has_unread_gift_inventory: account.has_unread_gift_inventory,
        unread_gift_inventory_count: 0,
        used_mobile_client: account.used_mobile_client,
        pending_bulk_message_deletion: None,
        email_bounced: account.email_bounced,
        token: None,

        mfa_enabled: user.mfa_enabled,
        locale: user.locale.clone(),
        premium_type: user.premium_type,
        email: user.email.clone(),
        verified: user.verified,
        is_admin: user.is_admin,
        last_sid_reroll: user.last_sid_reroll_ms.map(iso8601),
        created_at: created_at(user),
        timezone: profile.timezone.clone(),
        list_private: profile.list_private,
    })
}

/// [`private_user_with_profile`] with the one token that is valid after a password change.
pub fn private_user_with_token(
    record: &PrivateUserRecord,
    token: String,
) -> PrivateUserWithProfile {
    PrivateUserWithProfile { token: Some(token), ..private_user_with_profile(record) }
}

/// Every permission bit Discord defines (`(1 << 51) - 1`): what an owner has.
pub const OWNER_PERMISSIONS: u64 = (1 << 51) - 1;
/// Discord's classic default `@everyone` permissions: what every other member has (Astral has
/// no roles).
pub const MEMBER_PERMISSIONS: u64 = 104_324_673;

/// `user`'s permissions in `guild`, as Discord's decimal string.
fn permissions(guild: &GuildRecord, user: UserId) -> String {
    if guild.owner() == user { OWNER_PERMISSIONS } else { MEMBER_PERMISSIONS }.to_string()
}

/// A guild as its members see it.
pub fn guild(record: &GuildWithCount) -> Guild {
    let guild = &record.guild;
    Guild {
        id: guild.guild_id(),
        name: guild.name.clone(),
        icon: guild.icon.clone(),
        banner: guild.banner.clone(),
        owner_id: guild.owner(),
        features: Vec::new(),
        approximate_member_count: record.member_count,
    }
}

/// One entry of `me`'s guild list; the counts only when they were asked for (Astral has no
/// presence, so nobody is counted online).
pub fn my_guild(record: &ListedGuild, me: UserId) -> MyGuild {
    let guild = &record.guild;
    MyGuild {
        id: guild.guild_id(),
        name: guild.name.clone(),
        icon: guild.icon.clone(),
        banner: guild.banner.clone(),
        owner: guild.owner() == me,
        permissions: permissions(guild, me),
        features: Vec::new(),
        approximate_member_count: record.member_count,
        approximate_presence_count: record.member_count.map(|_| 0),
    }
}

/// A guild member (Astral has no nicknames, roles or voice state).
pub fn guild_member(record: &MemberRecord) -> GuildMember {
    GuildMember {
        user: public_user(&record.user),
        nick: None,
        avatar: None,
        banner: None,
        roles: Vec::new(),
        joined_at: iso8601(record.joined_at_ms),
        premium_since: None,
        deaf: false,
        mute: false,
        flags: 0,
        pending: false,
        communication_disabled_until: None,
        permissions: permissions(&record.guild, record.user.user_id()),
    }
}

pub fn invite(record: &InviteRecord) -> Invite {
    Invite { code: record.code.clone(), guild_id: record.guild_id }
}

/// A DM or group DM as `me` sees it: the other recipients only; name, icon and owner for a
/// group only.
pub fn private_channel(record: &ChannelRecord, me: UserId) -> PrivateChannel {
    let group = record.channel.kind != DM;
    PrivateChannel {
        id: record.channel_id(),
        kind: record.channel.kind,
        last_message_id: None,
        flags: 0,
        recipients: record
            .recipients
            .iter()
            .filter(|u| u.user_id() != me)
            .map(public_user)
            .collect(),
        name: group.then(|| record.channel.name.clone()),
        icon: group.then(|| record.channel.icon.clone()),
        owner_id: record.channel.owner_id.filter(|_| group).map(UserId::from_i64),
    }
}

pub fn relationship(record: &RelationshipRecord) -> Relationship {
    Relationship {
        id: record.user.user_id(),
        kind: record.kind as i32,
        user: public_user(&record.user),
        nickname: record.nickname.clone(),
        since: iso8601(record.since_ms),
    }
}

/// What a profile shows: the user with their profile (as `viewer` sees it), and what the caller shares with them as far as it
/// was asked for (the friends themselves, their number, or both) and shown.
pub fn user_profile(
    record: &ProfileRecord,
    viewer: UserId,
    with_friends: bool,
    with_friends_count: bool,
) -> UserProfile {
    let friends = record.mutual_friends.as_deref();
    UserProfile {
        user: user_with_profile(&record.user, Some(viewer)),
        user_profile: UserProfileMetadata { bio: record.user.profile.bio.clone() },
        mutual_guilds: record
            .mutual_guilds
            .as_ref()
            .map(|ids| ids.iter().map(|&id| MutualGuild { id, nick: None }).collect()),
        mutual_friends: friends
            .filter(|_| with_friends)
            .map(|friends| friends.iter().map(public_user).collect()),
        mutual_friends_count: friends
            .filter(|_| with_friends_count)
            .map(|friends| friends.len() as i64),
    }
}

/// A member's fields both of its shapes (`ProfileMember`, `PartialProfileMember`) carry, then
/// the shape's own.
macro_rules! member {
    ($wire:ident from $record:ident { $($field:ident: $value:expr),* $(,)? }) => {
        $wire {
            id: $record.member_id(),
            sid: $record.sid.clone(),
            name: $record.name.clone(),
            display_name: $record.display_name.clone(),
            bio: $record.bio.clone(),
            avatar: $record.avatar.clone(),
            links: $record.links.0.clone(),
            names: $record.names.0.clone(),
            pronoun_entries: $record.pronoun_entries.0.clone(),
            $($field: $value),*
        }
    };
}

/// A member (pronouns.cc's), as anyone allowed to see it sees it.
pub fn profile_member(record: &ProfileMemberRecord) -> ProfileMember {
    member!(ProfileMember from record {
        owner_id: record.owner(),
        fields: record.fields.0.clone(),
        hidden: record.hidden,
    })
}

/// pronouns.cc's "partial member", as a profile's `members` lists them.
pub fn partial_member(record: &ProfileMemberRecord) -> PartialProfileMember {
    member!(PartialProfileMember from record {})
}

/// Discord's timestamp form: milliseconds and an explicit `+00:00`.
const DISCORD_TIMESTAMP: &[FormatItem<'static>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]+00:00");

const FIRST_INSTANT: OffsetDateTime = time::macros::datetime!(0001-01-01 00:00:00.000 UTC);
const LAST_INSTANT: OffsetDateTime = time::macros::datetime!(9999-12-31 23:59:59.999 UTC);

/// Epoch milliseconds as ISO 8601 in UTC (`2026-11-23T12:00:00.000+00:00`, Discord's form).
/// Instants outside the years 1–9999 (no stored timestamp is) are clamped to those bounds.
pub fn iso8601(ms: i64) -> String {
    let nanos = i128::from(ms) * 1_000_000;
    let instant = OffsetDateTime::from_unix_timestamp_nanos(nanos)
        .map_or(if ms < 0 { FIRST_INSTANT } else { LAST_INSTANT }, |t| {
            t.clamp(FIRST_INSTANT, LAST_INSTANT)
        });
    // Formatting into a string fails only for a component the description cannot hold, and
    // every instant of the years 1–9999 fits it.
    instant.format(DISCORD_TIMESTAMP).unwrap_or_default()
}

/// A pride flag, as its owner's library and anyone's view of their profile show it.
pub fn pride_flag(record: &PrideFlagRecord) -> PrideFlag {
    PrideFlag {
        id: record.flag_id(),
        hash: record.hash.clone(),
        name: record.name.clone(),
        description: record.description.clone(),
    }
}

// issue 16 D
/// The caller's sessions (`GET /auth/sessions`). A token never recorded as used shows its
/// issue time (its id's timestamp).
pub fn auth_sessions(
    records: &[astral_store::SessionRecord],
) -> astral_types::session::AuthSessionList {
    use astral_types::session::{AuthSession, AuthSessionList, SessionClientInfo};
    AuthSessionList {
        user_sessions: records
            .iter()
            .map(|record| AuthSession {
                id_hash: crate::handlers::sessions::id_hash(record.token_id),
                approx_last_used_time: iso8601(record.last_used_ms.unwrap_or_else(|| {
                    i64::try_from(record.token_id.0.timestamp_ms()).unwrap_or(i64::MAX)
                })),
                client_info: SessionClientInfo {
                    os: record.client_os.clone(),
                    platform: record.client_platform.clone(),
                    location: None,
                },
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::iso8601;

    #[test]
    fn iso8601_matches_known_instants() {
        for (ms, expected) in [
            (0, "1970-01-01T00:00:00.000+00:00"),
            (1_700_000_000_123, "2023-11-14T22:13:20.123+00:00"),
            // A leap day, and the turn of the millennium.
            (951_782_400_000, "2000-02-29T00:00:00.000+00:00"),
            (946_684_799_999, "1999-12-31T23:59:59.999+00:00"),
            // Before the epoch: the date and the milliseconds count forward from the earlier
            // second (-1 ms is 23:59:59.999 of the day before).
            (-1, "1969-12-31T23:59:59.999+00:00"),
            (-86_400_000 * 365 - 500, "1968-12-31T23:59:59.500+00:00"),
            // Sub-second digits keep their leading zeros.
            (1_764_000_000_007, "2025-11-24T16:00:00.007+00:00"),
            (1_764_000_000_070, "2025-11-24T16:00:00.070+00:00"),
            // The last millisecond of 9999, the largest year the form has.
            (253_402_300_799_999, "9999-12-31T23:59:59.999+00:00"),
            // Beyond the form (no stored timestamp is): clamped, never a panic.
            (253_402_300_800_000, "9999-12-31T23:59:59.999+00:00"),
            (i64::MAX, "9999-12-31T23:59:59.999+00:00"),
            (i64::MIN, "0001-01-01T00:00:00.000+00:00"),
        ] {
            assert_eq!(iso8601(ms), expected, "{ms}");
        }
    }
}
