use actix_web::{put, web, HttpResponse};
use astral_types::{ErrorBody, UserId};

use super::{find_guild, member_object};
use crate::auth::Caller;
use crate::error::{ApiError, ErrorKind};
use crate::state::AppState;

/// Add a bot to a guild (owner only).
///
/// As when an owner authorises a bot: the target must be a bot account; people join by invite.
/// 201 with the member when added, 204 when it already was one.
#[utoipa::path(
    operation_id = "add_guild_member",
    tag = "guilds",
    params(
        ("guild_id" = String, Path, description = "The guild's id."),
        ("user_id" = String, Path, description = "The bot's id."),
    ),
    responses(
        (status = 201, description = "Added.", body = astral_types::guild::GuildMember),
        (status = 204, description = "Already a member."),
        (status = 403, description = "Not the owner, or the target is not a bot (50013).", body = ErrorBody),
        (status = 404, description = "Unknown guild (10004) or user (10013).", body = ErrorBody),
    )
)]
#[put("/guilds/{guild_id}/members/{user_id}")]
pub async fn add_guild_member(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (guild_id, user_id) = path.into_inner();
    let guild = find_guild(&state, &guild_id).await?;
    let lacking = || ApiError::new(ErrorKind::MissingPermissions);
    if guild.owner() != caller.id() {
        return Err(lacking());
    }
    let target: UserId = user_id
        .parse()
        .map_err(|_| ApiError::new(ErrorKind::UnknownUser))?;
    let user = state
        .run(move |store| store.user_by_id(target))
        .await?
        .ok_or_else(|| ApiError::new(ErrorKind::UnknownUser))?;
    if !user.bot {
        return Err(lacking());
    }
    let id = guild.guild_id();
    // Bots have no guild limit (as on Discord); owners, who add them, have theirs.
    let added = state
        .run(move |store| store.add_member(id, target, None))
        .await?
        .map_err(super::guild_refused)?;
    if !added {
        return Ok(HttpResponse::NoContent().finish());
    }
    let joined = state
        .run(move |store| store.membership(id, target))
        .await?
        .unwrap_or(0);
    Ok(HttpResponse::Created().json(member_object(&guild, &user, joined)))
}
