use actix_web::{get, web, web::Json};
use astral_types::guild::Guild;
use astral_types::ErrorBody;

use super::{guild_object, member_guild};
use crate::auth::Caller;
use crate::error::ApiError;
use crate::state::AppState;

/// Get a guild (members only).
#[utoipa::path(
    operation_id = "get_guild",
    tag = "guilds",
    params(("guild_id" = String, Path, description = "The guild's id.")),
    responses(
        (status = 200, description = "The guild.", body = Guild),
        (status = 403, description = "Not a member (50001).", body = ErrorBody),
        (status = 404, description = "Unknown guild (10004).", body = ErrorBody),
    )
)]
#[get("/guilds/{guild_id}")]
pub async fn get_guild(
    state: web::Data<AppState>,
    caller: Caller,
    guild_id: web::Path<String>,
) -> Result<Json<Guild>, ApiError> {
    let (guild, _) = member_guild(&state, &guild_id, caller.id()).await?;
    Ok(Json(guild_object(&state, &guild).await?))
}
