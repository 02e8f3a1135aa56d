use actix_web::{get, web::Json};
use astral_types::guild::GuildMember;

use super::{unknown_guild, Guild, NotInGuild};
use crate::handlers::path::InPath;
use crate::handlers::{Authed, Reply};
use crate::wire;

/// The current user's membership in a guild.
#[utoipa::path(
    tag = "guilds",
    params(InPath<Guild>),
    responses(
        (status = 200, description = "The member.", body = GuildMember),
        NotInGuild,
    )
)]
#[get("/users/@me/guilds/{guild_id}/member")]
pub async fn get_my_guild_member(cx: Authed, guild: InPath<Guild>) -> Reply<Json<GuildMember>> {
    let (guild, me) = (guild.get()?, cx.me());
    let member = cx.state.find(move |store| store.my_membership(guild, me), unknown_guild).await?;
    Ok(Json(wire::guild_member(&member)))
}
