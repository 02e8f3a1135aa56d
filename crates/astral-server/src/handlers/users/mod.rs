//! `/users/*`.

pub mod get_my_user;
pub mod get_user;
pub mod get_user_profile;
pub mod update_my_user;

use astral_store::UserRecord;
use astral_types::UserId;

use crate::error::{ApiError, ErrorKind};
use crate::state::AppState;

pub(crate) fn unknown_user() -> ApiError {
    ApiError::new(ErrorKind::UnknownUser)
}

/// The user id in a path. A segment that is not a snowflake names nobody, exactly as an id
/// nobody has: `None`, which every use case answers as an unknown user (404 / 10013).
pub(crate) fn user_id_in_path(user_id: &str) -> Option<UserId> {
    user_id.parse().ok()
}

/// The user a path names, or 404 / 10013.
pub(crate) async fn user_in_path(state: &AppState, user_id: &str) -> Result<UserRecord, ApiError> {
    let id = user_id_in_path(user_id).ok_or_else(unknown_user)?;
    state.run(move |store| store.user_by_id(id)).await?.ok_or_else(unknown_user)
}
