use actix_web::{delete, web, HttpResponse};
use astral_types::ErrorBody;

use super::{guild_id_in_path, guild_refused};
use crate::auth::Caller;
use crate::error::ApiError;
use crate::state::AppState;

async fn leave(
    state: &AppState,
    caller: &Caller,
    guild_id: &str,
) -> Result<HttpResponse, ApiError> {
    // A guild the caller is not in is unknown to them.
    let (guild, me) = (guild_id_in_path(guild_id)?, caller.id());
    state.run(move |store| store.leave_guild(guild, me)).await?.map_err(guild_refused)?;
    Ok(HttpResponse::NoContent().finish())
}

/// Leave a guild.
///
/// The owner cannot leave (400, 50035 `GUILD_OWNER_CANNOT_LEAVE`).
#[utoipa::path(
    operation_id = "leave_guild",
    tag = "guilds",
    params(("guild_id" = String, Path, description = "The guild's id.")),
    responses(
        (status = 204, description = "Left."),
        (status = 400, description = "The owner cannot leave (50035 `GUILD_OWNER_CANNOT_LEAVE`).", body = ErrorBody),
        (status = 404, description = "Unknown guild, or not a member (10004).", body = ErrorBody),
    )
)]
#[delete("/users/@me/guilds/{guild_id}")]
pub async fn leave_guild(
    state: web::Data<AppState>,
    caller: Caller,
    guild_id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    leave(&state, &caller, &guild_id).await
}

/// Leave a community (Saryno's name for `DELETE /users/@me/guilds/{guild_id}`).
#[utoipa::path(
    operation_id = "leave_community",
    tag = "guilds",
    params(("community_id" = String, Path, description = "The guild's id.")),
    responses(
        (status = 204, description = "Left."),
        (status = 400, description = "The owner cannot leave (50035 `GUILD_OWNER_CANNOT_LEAVE`).", body = ErrorBody),
        (status = 404, description = "Unknown guild, or not a member (10004).", body = ErrorBody),
    )
)]
#[delete("/users/@me/communities/{community_id}")]
pub async fn leave_community(
    state: web::Data<AppState>,
    caller: Caller,
    community_id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    leave(&state, &caller, &community_id).await
}
