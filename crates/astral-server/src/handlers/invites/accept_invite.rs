use actix_web::{post, web, web::Json};
use astral_types::guild::Invite;
use astral_types::ErrorBody;

use crate::auth::Caller;
use crate::error::ApiError;
use crate::handlers::guilds::{guild_refused, MAX_GUILDS};
use crate::handlers::relationships::users_only;
use crate::state::AppState;
use crate::wire;

/// Accept an invite: join its guild (Discord's accept-invite route).
///
/// Accepting again, as a member, changes nothing. Bots cannot accept invites (as on Discord, a
/// bot joins only when a guild owner adds it). Nobody joins more than 100 guilds (400 / 30001).
#[utoipa::path(
    operation_id = "accept_invite",
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
        (status = 403, description = "Bots cannot use this endpoint (20001).", body = ErrorBody),
        (status = 404, description = "Unknown invite (10006).", body = ErrorBody),
    )
)]
#[post("/invites/{code}")]
pub async fn accept_invite(
    state: web::Data<AppState>,
    caller: Caller,
    code: web::Path<String>,
) -> Result<Json<Invite>, ApiError> {
    users_only(&caller)?;
    let (code, me) = (code.into_inner(), caller.id());
    let invite = state
        .run(move |store| store.accept_invite(&code, me, MAX_GUILDS))
        .await?
        .map_err(guild_refused)?;
    Ok(Json(wire::invite(&invite)))
}
