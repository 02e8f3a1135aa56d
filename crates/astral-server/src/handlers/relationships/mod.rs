//! `/users/@me/relationships`: friends, requests and blocks. User accounts only: bots get
//! 403 / 20001, as on Discord. Every write answers 204 and leaves both sides consistent.

pub mod create_relationship;
pub mod delete_relationship;
pub mod list_my_relationships;
pub mod send_friend_request;
pub mod update_relationship;

use astral_store::{FriendRequestRefusal, UserRecord};
use astral_types::{ErrorBody, FormErrors, UserId};

use crate::auth::Caller;
use crate::error::{ApiError, ErrorKind};
use crate::state::AppState;

/// Discord's friend limit.
pub const MAX_FRIENDS: i64 = 1000;

/// [`users_only`]'s refusal, for the annotations of the operations that call it.
#[derive(utoipa::IntoResponses)]
#[response(status = 403, description = "Bots cannot use this endpoint (20001).")]
pub struct BotsRefused(pub ErrorBody);

/// The 204 every relationship write answers.
#[derive(utoipa::IntoResponses)]
#[response(status = 204, description = "Done.")]
pub struct Done;

/// Refuses bots (403 / 20001); the operation's annotation names [`BotsRefused`].
pub(crate) fn users_only(caller: &Caller) -> Result<(), ApiError> {
    if caller.user.bot {
        Err(ApiError::new(ErrorKind::BotsCannotUse))
    } else {
        Ok(())
    }
}

/// The caller's and `to`'s ids, or Discord's `RELATIONSHIP_INVALID_SELF` field error with
/// `message` when they are the same user.
fn caller_and_other(
    caller: &Caller,
    to: &UserRecord,
    message: &str,
) -> Result<(UserId, UserId), ApiError> {
    let (from, to) = (caller.id(), to.user_id());
    if from == to {
        let mut errors = FormErrors::new();
        errors.add(&[], "RELATIONSHIP_INVALID_SELF", message);
        return Err(ApiError::form(errors));
    }
    Ok((from, to))
}

/// Sends a friend request to `to`, or accepts theirs.
pub(crate) async fn befriend(
    state: &AppState,
    caller: &Caller,
    to: &UserRecord,
) -> Result<(), ApiError> {
    let (from, to) = caller_and_other(caller, to, "You cannot add yourself as a friend.")?;
    let max = state.max_friends;
    match state.run(move |store| store.send_friend_request(from, to, max)).await? {
        Ok(_) => Ok(()),
        Err(FriendRequestRefusal::BlockedByTarget) => {
            Err(ApiError::new(ErrorKind::FriendRequestsDisabled))
        }
        Err(FriendRequestRefusal::TooManyFriends) => Err(ApiError::new(ErrorKind::TooManyFriends)),
    }
}

pub(crate) async fn block(
    state: &AppState,
    caller: &Caller,
    to: &UserRecord,
) -> Result<(), ApiError> {
    let (from, to) = caller_and_other(caller, to, "You cannot block yourself.")?;
    state.run(move |store| store.block(from, to)).await
}
