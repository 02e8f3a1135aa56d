use actix_web::{delete, web, HttpResponse};
use astral_types::{ErrorBody, FormErrors};

use super::{find_guild, unknown_guild};
use crate::auth::Caller;
use crate::error::ApiError;
use crate::state::AppState;

async fn leave(
    state: &AppState,
    caller: &Caller,
    guild_id: &str,
) -> Result<HttpResponse, ApiError> {
    // A guild the caller is not in is unknown to them.
    let guild = find_guild(state, guild_id).await?;
    if guild.owner() == caller.id() {
        let mut errors = FormErrors::new();
        errors.add(
            &[],
            "GUILD_OWNER_CANNOT_LEAVE",
            "The owner cannot leave the guild.",
        );
        return Err(ApiError::form(errors));
    }
    let (id, me) = (guild.guild_id(), caller.id());
    if !state.run(move |store| store.remove_member(id, me)).await? {
        return Err(unknown_guild());
    }
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
