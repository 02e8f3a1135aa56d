use actix_web::{get, web::Json};
use astral_types::guild::Guild;

use super::{guild_refused, NotAGuildMember, UnknownGuild};
use crate::auth::Caller;
use crate::handlers::path::InPath;
use crate::handlers::{Reply, State};
use crate::wire;

/// Get a guild (members only).
#[utoipa::path(
    tag = "guilds",
    params(InPath<super::Guild>),
    responses(
        (status = 200, description = "The guild.", body = Guild),
        NotAGuildMember,
        UnknownGuild,
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
