use actix_web::{get, web, web::Json};
use astral_types::guild::GuildMember;
use astral_types::ErrorBody;

use super::{guild_id_in_path, unknown_guild};
use crate::auth::Caller;
use crate::error::ApiError;
use crate::state::AppState;
use crate::wire;

/// The current user's membership in a guild.
#[utoipa::path(
    operation_id = "get_my_guild_member",
    tag = "guilds",
    params(("guild_id" = String, Path, description = "The guild's id.")),
    responses(
        (status = 200, description = "The member.", body = GuildMember),
        (status = 404, description = "Unknown guild, or not a member (10004).", body = ErrorBody),
    )
)]
#[get("/users/@me/guilds/{guild_id}/member")]
pub async fn get_my_guild_member(
    state: web::Data<AppState>,
    caller: Caller,
    guild_id: web::Path<String>,
) -> Result<Json<GuildMember>, ApiError> {
    let (guild, me) = (guild_id_in_path(&guild_id)?, caller.id());
    let member =
        state.run(move |store| store.my_membership(guild, me)).await?.ok_or_else(unknown_guild)?;
    Ok(Json(wire::guild_member(&member)))
}
