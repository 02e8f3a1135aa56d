use actix_web::{get, web::Json};
use astral_types::guild::Guild;
use astral_types::ErrorBody;

use super::guild_refused;
use crate::auth::Caller;
use crate::handlers::path::InPath;
use crate::handlers::{Reply, State};
use crate::wire;

/// Get a guild (members only).
#[utoipa::path(
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
    state: State,
    caller: Caller,
    guild: InPath<super::Guild>,
) -> Reply<Json<Guild>> {
    let (guild, me) = (guild.get()?, caller.id());
    let guild = state.decide(move |store| store.guild_for_member(guild, me), guild_refused).await?;
    Ok(Json(wire::guild(&guild)))
}
