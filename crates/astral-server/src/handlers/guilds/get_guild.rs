use actix_web::{get, web, web::Json};
use astral_types::guild::Guild;
use astral_types::ErrorBody;

use super::{guild_id_in_path, guild_refused};
use crate::auth::Caller;
use crate::error::ApiError;
use crate::state::AppState;
use crate::wire;

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
    let (guild, me) = (guild_id_in_path(&guild_id)?, caller.id());
    let guild =
        state.run(move |store| store.guild_for_member(guild, me)).await?.map_err(guild_refused)?;
    Ok(Json(wire::guild(&guild)))
}
