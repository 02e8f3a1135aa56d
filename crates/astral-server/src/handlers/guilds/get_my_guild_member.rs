use actix_web::{get, web::Json};
use astral_types::guild::GuildMember;

use super::{unknown_guild, Guild, NotInGuild};
use crate::auth::Caller;
use crate::handlers::path::InPath;
use crate::handlers::{Reply, State};
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
pub async fn get_my_guild_member(
    state: State,
    caller: Caller,
    guild: InPath<Guild>,
) -> Reply<Json<GuildMember>> {
    let (guild, me) = (guild.get()?, caller.id());
    let member = state.find(move |store| store.my_membership(guild, me), unknown_guild).await?;
    Ok(Json(wire::guild_member(&member)))
}
