//! Guilds: only what the users resource needs, and consent-based — a user joins by invite; an
//! owner can add only a bot account (as when an owner authorises a bot).

pub mod add_guild_member;
pub mod create_guild;
pub mod create_guild_invite;
pub mod get_guild;
pub mod get_my_guild_member;
pub mod leave_guild;
pub mod list_my_guilds;
// issue 16 D
pub mod delete_guild;
pub mod update_guild;

use astral_store::GuildRefusal;
use astral_types::{ErrorBody, FormErrors};

use crate::error::{ApiError, ErrorKind};
use crate::handlers::users::unknown_user;

/// Discord's limit on guilds per user (JSON code 30001, "Maximum number of guilds reached
/// (100)"), counted over every guild the user is in, created or joined. Bots added by a guild's
/// owner are not counted against it (on Discord, bots have no guild limit); a bot creating a
/// guild is.
pub const MAX_GUILDS: i64 = 100;

/// Discord's limit on invites per guild (JSON code 30016, "Maximum number of invites reached
/// (1000)").
pub const MAX_INVITES: i64 = 1000;

/// What a refused guild use case answers.
pub(crate) fn guild_refused(refusal: GuildRefusal) -> ApiError {
    match refusal {
        GuildRefusal::UnknownGuild => unknown_guild(),
        GuildRefusal::NotAMember => missing_access(),
        // Only the owner adds members, and only bots.
        GuildRefusal::NotOwner | GuildRefusal::NotABot => {
            ApiError::new(ErrorKind::MissingPermissions)
        }
        GuildRefusal::UnknownUser => unknown_user(),
        GuildRefusal::OwnerCannotLeave => {
            let mut errors = FormErrors::new();
            errors.add(&[], "GUILD_OWNER_CANNOT_LEAVE", "The owner cannot leave the guild.");
            ApiError::form(errors)
        }
        GuildRefusal::UnknownInvite => ApiError::new(ErrorKind::UnknownInvite),
        GuildRefusal::TooManyGuilds => ApiError::new(ErrorKind::TooManyGuilds),
        GuildRefusal::TooManyInvites => ApiError::new(ErrorKind::TooManyInvites),
        // issue 16 D
        GuildRefusal::InvalidOwner => ApiError::field(
            "owner_id",
            "BASE_TYPE_CHOICES",
            "The new owner must be a member of the guild, a person (not a bot) whose account \
             is active.",
        ),
    }
}

/// [`unknown_guild`], for the operations that answer it alone as their 404.
#[derive(utoipa::IntoResponses)]
#[response(status = 404, description = "Unknown guild (10004).")]
pub struct UnknownGuild(pub ErrorBody);

/// [`unknown_guild`] where a guild the caller is not in is unknown to them.
#[derive(utoipa::IntoResponses)]
#[response(status = 404, description = "Unknown guild, or not a member (10004).")]
pub struct NotInGuild(pub ErrorBody);

/// [`missing_access`]: the guild exists but the caller is not in it.
#[derive(utoipa::IntoResponses)]
#[response(status = 403, description = "Not a member (50001).")]
pub struct NotAGuildMember(pub ErrorBody);

pub(crate) fn unknown_guild() -> ApiError {
    ApiError::new(ErrorKind::UnknownGuild)
}

pub(crate) fn missing_access() -> ApiError {
    ApiError::new(ErrorKind::MissingAccess)
}

snowflake_in_path!(
    /// A guild id in a path (`community_id` on Saryno's routes); one that is not a snowflake
    /// is an unknown guild (404 / 10004).
    Guild = ["guild_id", "community_id"], "The guild's id.", else unknown_guild
);
