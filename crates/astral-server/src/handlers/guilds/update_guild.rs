use actix_web::{patch, web::Json};
use astral_types::guild::{Guild, UpdateGuildRequest};
use astral_types::ErrorBody;

use super::{guild_refused, UnknownGuild};
use crate::body::JsonBody;
use crate::error::ApiError;
use crate::handlers::path::InPath;
use crate::handlers::{Authed, Reply};
use crate::wire;

/// Modify a guild (the owner only): rename it, or transfer its ownership.
///
/// `owner_id` hands the guild to another member: a person (not a bot) whose account is active
/// (otherwise 50035 `owner_id` `BASE_TYPE_CHOICES`); the caller stays a member. A member who is
/// not the owner gets 403 / 50013, someone who is not a member 403 / 50001.
#[utoipa::path(
    tag = "guilds",
    params(InPath<super::Guild>),
    request_body(content = UpdateGuildRequest, content_type = "application/json"),
    responses(
        (status = 200, description = "The guild as it is now.", body = Guild),
        (status = 400, description = "Invalid JSON (50109), invalid fields or a new owner who cannot own it (50035).", body = ErrorBody),
        (status = 403, description = "Not a member (50001), or not the owner (50013).", body = ErrorBody),
        UnknownGuild,
    )
)]
#[patch("/guilds/{guild_id}")]
pub async fn update_guild(
    cx: Authed,
    guild: InPath<super::Guild>,
    body: JsonBody,
) -> Reply<Json<Guild>> {
    let UpdateGuildRequest { name, owner_id } =
        UpdateGuildRequest::read(&body.0).map_err(ApiError::form)?;
    let (guild, me) = (guild.get()?, cx.me());
    let guild = cx
        .state
        .decide(move |store| store.update_guild(guild, me, name, owner_id), guild_refused)
        .await?;
    Ok(Json(wire::guild(&guild)))
}
