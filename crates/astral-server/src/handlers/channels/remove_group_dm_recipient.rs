use actix_web::{delete, web, HttpResponse};
use astral_store::DM;
use astral_types::{ErrorBody, UserId};

use super::{my_channel, not_a_group};
use crate::auth::Caller;
use crate::error::{ApiError, ErrorKind};
use crate::state::AppState;

/// Remove a user from a group DM (owner only).
#[utoipa::path(
    operation_id = "remove_group_dm_recipient",
    tag = "channels",
    params(
        ("channel_id" = String, Path, description = "The group DM's id."),
        ("user_id" = String, Path, description = "The user to remove."),
    ),
    responses(
        (status = 204, description = "Removed."),
        (status = 400, description = "Not a group DM (50003).", body = ErrorBody),
        (status = 403, description = "Only the owner removes members (50013).", body = ErrorBody),
        (status = 404, description = "Unknown channel (10003), or the user is not in it (10013).", body = ErrorBody),
    )
)]
#[delete("/channels/{channel_id}/recipients/{user_id}")]
pub async fn remove_group_dm_recipient(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (channel_id, user_id) = path.into_inner();
    let me = caller.id();
    let channel = my_channel(&state, &channel_id, me).await?;
    if channel.channel.kind == DM {
        return Err(not_a_group());
    }
    if channel.channel.owner_id != Some(me.as_i64()) {
        return Err(ApiError::new(ErrorKind::MissingPermissions));
    }
    let user: UserId = user_id
        .parse()
        .map_err(|_| ApiError::new(ErrorKind::UnknownUser))?;
    let id = channel.channel_id();
    if !state
        .run(move |store| store.remove_group_recipient(id, user))
        .await?
    {
        return Err(ApiError::new(ErrorKind::UnknownUser));
    }
    Ok(HttpResponse::NoContent().finish())
}
