use actix_web::put;
use astral_store::Store;
use astral_types::ErrorBody;

use super::{channel_refused, Channel, MAX_GROUP_DMS, MAX_GROUP_DM_MEMBERS};
use crate::handlers::path::InPath;
use crate::handlers::users::User;
use crate::handlers::{no_content, Authed, Reply};

/// Add a user to a group DM.
///
/// Any member adds their own friends (403 / 50007 for anyone else, bots included), at most 10
/// members in all (400 / 30004); nobody can be in more than 10 group DMs (400 / 30011). Bots
/// cannot add anyone (403 / 20001). Adding a member again changes nothing (204).
#[utoipa::path(
    tag = "channels",
    params(
        ("channel_id" = String, Path, description = "The group DM's id."),
        ("user_id" = String, Path, description = "The user to add."),
    ),
    responses(
        (status = 204, description = "Added (or already in it)."),
        (status = 400, description = "Not a group DM (50003), full (30004), or the user is in 10 group DMs already (30011).", body = ErrorBody),
        (status = 403, description = "The user is not your friend, or is a bot (50007); the caller is a bot (20001).", body = ErrorBody),
        (status = 404, description = "Unknown channel (10003) or user (10013).", body = ErrorBody),
    )
)]
#[put("/channels/{channel_id}/recipients/{user_id}")]
pub async fn add_group_dm_recipient(
    cx: Authed,
    channel: InPath<Channel>,
    user: InPath<User>,
) -> Reply {
    // Bots are never in a group DM they could add to: Discord lets them only manage groups
    // made with the users' OAuth2 grants, which Astral does not have.
    let me = cx.users_only()?;
    let (channel, user) = (channel.get()?, user.get());
    // Whether the caller is in the group, who the user is and every limit are decided in the
    // transaction that adds them.
    let (members, groups) = (MAX_GROUP_DM_MEMBERS, MAX_GROUP_DMS);
    let add = move |store: &Store| store.add_group_recipient(channel, me, user, members, groups);
    cx.state.decide(add, channel_refused).await?;
    no_content()
}
