use actix_web::delete;
use astral_types::ErrorBody;

use super::{channel_refused, Channel};
use crate::handlers::path::InPath;
use crate::handlers::users::User;
use crate::handlers::{no_content, Authed, Reply};

/// Remove a user from a group DM (owner only).
#[utoipa::path(
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
    cx: Authed,
    channel: InPath<Channel>,
    user: InPath<User>,
) -> Reply {
    let (channel, me, user) = (channel.get()?, cx.me(), user.get());
    cx.state
        .decide(move |store| store.remove_group_recipient(channel, me, user), channel_refused)
        .await?;
    no_content()
}
