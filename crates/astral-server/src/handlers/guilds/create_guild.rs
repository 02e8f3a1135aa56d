use actix_web::{post, HttpResponse};
use astral_types::guild::{CreateGuildRequest, Guild};
use astral_types::ErrorBody;

use super::{guild_refused, MAX_GUILDS};
use crate::body::JsonBody;
use crate::error::ApiError;
use crate::handlers::{Authed, Reply};
use crate::wire;

/// Create a guild.
///
/// The caller owns it and is its first member. Nobody is in more than 100 guilds (400 / 30001).
#[utoipa::path(
    tag = "guilds",
    request_body(content = CreateGuildRequest, content_type = "application/json"),
    responses(
        (status = 201, description = "The new guild.", body = Guild,
            links(
                ("get_guild" = (operation_id = "get_guild", parameters(("guild_id" = "$response.body#/id")))),
                ("create_guild_invite" = (operation_id = "create_guild_invite", parameters(("guild_id" = "$response.body#/id")))),
                ("get_my_guild_member" = (operation_id = "get_my_guild_member", parameters(("guild_id" = "$response.body#/id")))),
                ("leave_guild" = (operation_id = "leave_guild", parameters(("guild_id" = "$response.body#/id"))))
            )
        ),
        (status = 400, description = "Invalid body (50035, 50109), or the caller is in 100 guilds already (30001).", body = ErrorBody),
    )
)]
#[post("/guilds")]
pub async fn create_guild(cx: Authed, body: JsonBody) -> Reply {
    let CreateGuildRequest { name } = CreateGuildRequest::read(&body.0).map_err(ApiError::form)?;
    let owner = cx.me();
    let guild = cx
        .state
        .decide(move |store| store.create_guild(owner, name, MAX_GUILDS), guild_refused)
        .await?;
    Ok(HttpResponse::Created().json(wire::guild(&guild)))
}
