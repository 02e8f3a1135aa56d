use actix_web::{delete, web, HttpResponse};
use astral_types::ErrorBody;

use super::{channel_id_in_path, channel_refused};
use crate::auth::Caller;
use crate::error::ApiError;
use crate::handlers::users::user_id_in_path;
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
    let channel = channel_id_in_path(&channel_id)?;
    let (me, user) = (caller.id(), user_id_in_path(&user_id));
    state
        .run(move |store| store.remove_group_recipient(channel, me, user))
        .await?
        .map_err(channel_refused)?;
    Ok(HttpResponse::NoContent().finish())
}
