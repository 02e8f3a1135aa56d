use actix_web::{put, web, HttpResponse};
use astral_store::GroupRefusal;
use astral_types::{ErrorBody, UserId};

use super::{
    blocked_by, cannot_message, group_full, my_channel, not_a_group, MAX_GROUP_DM_MEMBERS,
};
use crate::auth::Caller;
use crate::error::{ApiError, ErrorKind};
use crate::state::AppState;

/// Add a user to a group DM (any member; at most 10 members in all).
#[utoipa::path(
    operation_id = "add_group_dm_recipient",
    tag = "channels",
    params(
        ("channel_id" = String, Path, description = "The group DM's id."),
        ("user_id" = String, Path, description = "The user to add."),
    ),
    responses(
        (status = 204, description = "Added (or already in it)."),
        (status = 400, description = "Not a group DM (50003), or full (30004).", body = ErrorBody),
        (status = 401, description = "Missing, invalid or revoked token.", body = ErrorBody),
        (status = 403, description = "The user blocked you (50007).", body = ErrorBody),
        (status = 404, description = "Unknown channel (10003) or user (10013).", body = ErrorBody),
        (status = "5XX", description = "Server or database failure.", body = ErrorBody),
    ),
    security(("BotToken" = []), ("BearerToken" = []), ("UserToken" = []))
)]
#[put("/channels/{channel_id}/recipients/{user_id}")]
pub async fn add_group_dm_recipient(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (channel_id, user_id) = path.into_inner();
    let me = caller.id();
    let channel = my_channel(&state, &channel_id, me).await?;
    let user: UserId = user_id
        .parse()
        .map_err(|_| ApiError::new(ErrorKind::UnknownUser))?;
    if state
        .run(move |store| store.user_by_id(user))
        .await?
        .is_none()
    {
        return Err(ApiError::new(ErrorKind::UnknownUser));
    }
    if blocked_by(&state, user, me).await? {
        return Err(cannot_message());
    }
    let id = channel.channel_id();
    match state
        .run(move |store| store.add_group_recipient(id, user, MAX_GROUP_DM_MEMBERS))
        .await?
    {
        Ok(_) => Ok(HttpResponse::NoContent().finish()),
        Err(GroupRefusal::Full) => Err(group_full()),
        Err(GroupRefusal::NotAGroup) => Err(not_a_group()),
    }
}
