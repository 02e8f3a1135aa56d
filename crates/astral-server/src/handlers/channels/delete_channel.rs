use actix_web::{delete, web, web::Json};
use astral_types::channel::PrivateChannel;
use astral_types::ErrorBody;

use super::{channel_id_in_path, unknown_channel};
use crate::auth::Caller;
use crate::error::ApiError;
use crate::state::AppState;
use crate::wire;

/// Close a DM or leave a group DM.
///
/// A closed DM leaves the caller's list and reopens with the next `POST /users/@me/channels`.
/// Leaving a group DM passes its ownership on. Returns the channel.
#[utoipa::path(
    operation_id = "delete_channel",
    tag = "channels",
    params(("channel_id" = String, Path, description = "The channel's id.")),
    responses(
        (status = 200, description = "The channel, as it was.", body = PrivateChannel),
        (status = 404, description = "Unknown channel, or not in it (10003).", body = ErrorBody),
    )
)]
#[delete("/channels/{channel_id}")]
pub async fn delete_channel(
    state: web::Data<AppState>,
    caller: Caller,
    channel_id: web::Path<String>,
) -> Result<Json<PrivateChannel>, ApiError> {
    let id = channel_id_in_path(&channel_id)?;
    let me = caller.id();
    let record =
        state.run(move |store| store.close_channel(id, me)).await?.ok_or_else(unknown_channel)?;
    Ok(Json(wire::private_channel(&record, me)))
}
