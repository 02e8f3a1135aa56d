//! `/users/@me/relationships`: friends, requests and blocks. User accounts only: bots get
//! 403 / 20001, as on Discord. Every write answers 204 and leaves both sides consistent.

pub mod create_relationship;
pub mod delete_relationship;
pub mod list_my_relationships;
pub mod send_friend_request;
pub mod update_relationship;

use astral_store::{FriendRequestRefusal, UserRecord};
use astral_types::{ErrorBody, FormErrors, UserId};

use crate::error::{ApiError, ErrorKind};
use crate::handlers::Authed;

/// Discord's friend limit.
pub const MAX_FRIENDS: i64 = 1000;

/// [`Authed::users_only`]'s refusal, for the annotations of the operations that call it.
#[derive(utoipa::IntoResponses)]
#[response(status = 403, description = "Bots cannot use this endpoint (20001).")]
pub struct BotsRefused(pub ErrorBody);

/// The 204 every relationship write answers.
#[derive(utoipa::IntoResponses)]
#[response(status = 204, description = "Done.")]
pub struct Done;

/// The caller's and `to`'s ids, or Discord's `RELATIONSHIP_INVALID_SELF` field error with
/// `message` when they are the same user.
fn caller_and_other(
    cx: &Authed,
    to: &UserRecord,
    message: &str,
) -> Result<(UserId, UserId), ApiError> {
    let (from, to) = (cx.me(), to.user_id());
    if from == to {
        let mut errors = FormErrors::new();
        errors.add(&[], "RELATIONSHIP_INVALID_SELF", message);
        return Err(ApiError::form(errors));
    }
    Ok((from, to))
}

/// Sends a friend request to `to`, or accepts theirs.
pub(crate) async fn befriend(cx: &Authed, to: &UserRecord) -> Result<(), ApiError> {
    let (from, to) = caller_and_other(cx, to, "You cannot add yourself as a friend.")?;
    let max = cx.state.max_friends;
    match cx.state.run(move |store| store.send_friend_request(from, to, max)).await? {
        Ok(_) => Ok(()),
        Err(FriendRequestRefusal::BlockedByTarget) => {
            Err(ApiError::new(ErrorKind::FriendRequestsDisabled))
        }
        Err(FriendRequestRefusal::TooManyFriends) => Err(ApiError::new(ErrorKind::TooManyFriends)),
    }
}

pub(crate) async fn block(cx: &Authed, to: &UserRecord) -> Result<(), ApiError> {
    let (from, to) = caller_and_other(cx, to, "You cannot block yourself.")?;
    cx.state.run(move |store| store.block(from, to)).await
}
