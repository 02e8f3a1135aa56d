use actix_web::{post, web::Json};
use astral_types::guild::Invite;
use astral_types::ErrorBody;

use super::{guild_refused, Guild, NotAGuildMember, UnknownGuild, MAX_INVITES};
use crate::handlers::path::InPath;
use crate::handlers::{Authed, Reply};
use crate::wire;

/// Create an invite to a guild (members only; at most 1000 per guild, 400 / 30016).
#[utoipa::path(
    tag = "guilds",
    params(InPath<Guild>),
    responses(
        (status = 200, description = "The invite; `POST /invites/{code}` joins with it.", body = Invite,
            links(
                ("accept_invite" = (operation_id = "accept_invite", parameters(("code" = "$response.body#/code")))),
                ("get_guild" = (operation_id = "get_guild", parameters(("guild_id" = "$response.body#/guild_id"))))
            )
        ),
        (status = 400, description = "The guild has 1000 invites already (30016).", body = ErrorBody),
        NotAGuildMember,
        UnknownGuild,
    )
)]
#[post("/guilds/{guild_id}/invites")]
pub async fn create_guild_invite(cx: Authed, guild: InPath<Guild>) -> Reply<Json<Invite>> {
    let (guild, inviter) = (guild.get()?, cx.me());
    let invite = cx
        .state
        .decide(move |store| store.create_invite(guild, inviter, MAX_INVITES), guild_refused)
        .await?;
    Ok(Json(wire::invite(&invite)))
}
