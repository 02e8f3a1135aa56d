use actix_web::{post, web, web::Json};
use astral_store::Store;
use astral_types::guild::Invite;
use astral_types::ErrorBody;

use crate::handlers::guilds::{guild_refused, MAX_GUILDS};
use crate::handlers::relationships::BotsRefused;
use crate::handlers::{Authed, Reply};
use crate::wire;

/// Accept an invite: join its guild (Discord's accept-invite route).
///
/// Accepting again, as a member, changes nothing. Bots cannot accept invites (as on Discord, a
/// bot joins only when a guild owner adds it). Nobody joins more than 100 guilds (400 / 30001).
#[utoipa::path(
    tag = "guilds",
    params(("code" = String, Path, description = "The invite code.")),
    responses(
        (status = 200, description = "Joined (or already a member).", body = Invite,
            links(
                ("get_my_guild_member" = (operation_id = "get_my_guild_member", parameters(("guild_id" = "$response.body#/guild_id")))),
                ("leave_guild" = (operation_id = "leave_guild", parameters(("guild_id" = "$response.body#/guild_id"))))
            )
        ),
        (status = 400, description = "The caller is in 100 guilds already (30001).", body = ErrorBody),
        BotsRefused,
        (status = 404, description = "Unknown invite (10006).", body = ErrorBody),
    )
)]
#[post("/invites/{code}")]
pub async fn accept_invite(cx: Authed, code: web::Path<String>) -> Reply<Json<Invite>> {
    let (me, code) = (cx.users_only()?, code.into_inner());
    let accept = move |store: &Store| store.accept_invite(&code, me, MAX_GUILDS);
    Ok(Json(wire::invite(&cx.state.decide(accept, guild_refused).await?)))
}
