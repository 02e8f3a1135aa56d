use actix_web::{post, web, web::Json};
use astral_types::guild::Invite;
use astral_types::ErrorBody;

use super::member_guild;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::state::AppState;

/// Create an invite to a guild (members only).
#[utoipa::path(
    operation_id = "create_guild_invite",
    tag = "guilds",
    params(("guild_id" = String, Path, description = "The guild's id.")),
    responses(
        (status = 200, description = "The invite; `POST /invites/{code}` joins with it.", body = Invite,
            links(
                ("accept_invite" = (operation_id = "accept_invite", parameters(("code" = "$response.body#/code")))),
                ("get_guild" = (operation_id = "get_guild", parameters(("guild_id" = "$response.body#/guild_id"))))
            )
        ),
        (status = 401, description = "Missing, invalid or revoked token.", body = ErrorBody),
        (status = 403, description = "Not a member (50001).", body = ErrorBody),
        (status = 404, description = "Unknown guild (10004).", body = ErrorBody),
        (status = "5XX", description = "Server or database failure.", body = ErrorBody),
    ),
    security(("BotToken" = []), ("BearerToken" = []), ("UserToken" = []))
)]
#[post("/guilds/{guild_id}/invites")]
pub async fn create_guild_invite(
    state: web::Data<AppState>,
    caller: Caller,
    guild_id: web::Path<String>,
) -> Result<Json<Invite>, ApiError> {
    let (guild, _) = member_guild(&state, &guild_id, caller.id()).await?;
    let (id, inviter) = (guild.guild_id(), caller.id());
    let code = state
        .run(move |store| store.create_invite(id, inviter))
        .await?;
    Ok(Json(Invite { code, guild_id: id }))
}
