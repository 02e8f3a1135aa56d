use actix_web::{delete, web::Json};
use astral_types::channel::PrivateChannel;
use astral_types::ErrorBody;

use super::{unknown_channel, Channel};
use crate::handlers::path::InPath;
use crate::handlers::{Authed, Reply};
use crate::wire;

/// Close a DM or leave a group DM.
///
/// A closed DM leaves the caller's list and reopens with the next `POST /users/@me/channels`.
/// Leaving a group DM passes its ownership on. Returns the channel.
#[utoipa::path(
    tag = "channels",
    params(InPath<Channel>),
    responses(
        (status = 200, description = "The channel, as it was.", body = PrivateChannel),
        (status = 404, description = "Unknown channel, or not in it (10003).", body = ErrorBody),
    )
)]
#[delete("/channels/{channel_id}")]
pub async fn delete_channel(cx: Authed, channel: InPath<Channel>) -> Reply<Json<PrivateChannel>> {
    let (id, me) = (channel.get()?, cx.me());
    let record = cx.state.find(move |store| store.close_channel(id, me), unknown_channel).await?;
    Ok(Json(wire::private_channel(&record, me)))
}
