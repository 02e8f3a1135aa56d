//! Guilds: only what the users resource needs, and consent-based — a user joins by invite; an
//! owner can add only a bot account (as when an owner authorises a bot).

pub mod add_guild_member;
pub mod create_guild;
pub mod create_guild_invite;
pub mod get_guild;
pub mod get_my_guild_member;
pub mod leave_guild;
pub mod list_my_guilds;

use astral_store::{GuildRecord, GuildRefusal, UserRecord};
use astral_types::guild::{Guild, GuildMember};
use astral_types::{Snowflake, UserId};

use crate::error::{ApiError, ErrorKind};
use crate::state::AppState;
use crate::wire;

/// Every permission bit Discord defines (`(1 << 51) - 1`): what an owner has.
pub const OWNER_PERMISSIONS: u64 = (1 << 51) - 1;
/// Discord's classic default `@everyone` permissions: what every other member has (Astral has
/// no roles).
pub const MEMBER_PERMISSIONS: u64 = 104_324_673;

/// Discord's limit on guilds per user (JSON code 30001, "Maximum number of guilds reached
/// (100)"), counted over every guild the user is in, created or joined. Bots added by a guild's
/// owner are not counted against it (on Discord, bots have no guild limit); a bot creating a
/// guild is.
pub const MAX_GUILDS: i64 = 100;

/// Discord's limit on invites per guild (JSON code 30016, "Maximum number of invites reached
/// (1000)").
pub const MAX_INVITES: i64 = 1000;

/// What a refused guild creation, join or invite answers.
pub(crate) fn guild_refused(refusal: GuildRefusal) -> ApiError {
    match refusal {
        GuildRefusal::TooManyGuilds => ApiError::new(ErrorKind::TooManyGuilds),
        GuildRefusal::TooManyInvites => ApiError::new(ErrorKind::TooManyInvites),
    }
}

pub(crate) fn permissions(guild: &GuildRecord, user: UserId) -> String {
    if guild.owner() == user {
        OWNER_PERMISSIONS
    } else {
        MEMBER_PERMISSIONS
    }
    .to_string()
}

pub(crate) fn unknown_guild() -> ApiError {
    ApiError::new(ErrorKind::UnknownGuild)
}

pub(crate) fn missing_access() -> ApiError {
    ApiError::new(ErrorKind::MissingAccess)
}

/// The guild named in the path, or 404 / 10004.
pub(crate) async fn find_guild(state: &AppState, guild_id: &str) -> Result<GuildRecord, ApiError> {
    let id: Snowflake = guild_id.parse().map_err(|_| unknown_guild())?;
    state
        .run(move |store| store.guild(id))
        .await?
        .ok_or_else(unknown_guild)
}

/// The guild, if `user` is a member of it: 404 / 10004 for an unknown guild, 403 / 50001 for
/// one they are not in.
pub(crate) async fn member_guild(
    state: &AppState,
    guild_id: &str,
    user: UserId,
) -> Result<(GuildRecord, i64), ApiError> {
    let guild = find_guild(state, guild_id).await?;
    let id = guild.guild_id();
    let joined = state
        .run(move |store| store.membership(id, user))
        .await?
        .ok_or_else(missing_access)?;
    Ok((guild, joined))
}

pub(crate) async fn guild_object(state: &AppState, guild: &GuildRecord) -> Result<Guild, ApiError> {
    let id = guild.id;
    let counts = state.run(move |store| store.member_counts(&[id])).await?;
    Ok(Guild {
        id: guild.guild_id(),
        name: guild.name.clone(),
        icon: guild.icon.clone(),
        banner: guild.banner.clone(),
        owner_id: guild.owner(),
        features: Vec::new(),
        approximate_member_count: counts.get(&guild.id).copied().unwrap_or(0),
    })
}

pub(crate) fn member_object(
    guild: &GuildRecord,
    user: &UserRecord,
    joined_at_ms: i64,
) -> GuildMember {
    GuildMember {
        user: wire::public_user(user),
        nick: None,
        avatar: None,
        banner: None,
        roles: Vec::new(),
        joined_at: wire::iso8601(joined_at_ms),
        premium_since: None,
        deaf: false,
        mute: false,
        flags: 0,
        pending: false,
        communication_disabled_until: None,
        permissions: permissions(guild, user.user_id()),
    }
}
