use actix_web::{get, web::Json};
use astral_types::guild::Guild;

use super::{guild_refused, NotAGuildMember, UnknownGuild};
use crate::handlers::path::InPath;
use crate::handlers::{Authed, Reply};
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
pub async fn get_guild(cx: Authed, guild: InPath<super::Guild>) -> Reply<Json<Guild>> {
    let (guild, me) = (guild.get()?, cx.me());
    let guild =
        cx.state.decide(move |store| store.guild_for_member(guild, me), guild_refused).await?;
    Ok(Json(wire::guild(&guild)))
}
