//! `/users/*`.

pub mod get_my_user;
pub mod get_user;
pub mod get_user_profile;
pub mod reroll_my_short_id;
pub mod update_my_user;
// issue 16 D
pub mod delete_my_account;
pub mod disable_my_account;
// issue 16 B
pub mod change_my_email_challenge;
pub mod verify_email_change_code;

use actix_web::web::Json;
use astral_store::{OwnProfileRead, RerollRefusal, Store, StoreError, UserLookup, UserRecord};
use astral_types::user::PrivateUserWithProfile;
use astral_types::Cooldown;
use astral_types::{ErrorBody, UserId};

use crate::error::{ApiError, ErrorKind};
use crate::handlers::path::{InPath, PathKind};
use crate::handlers::{Authed, Reply};
use crate::state::AppState;
use crate::wire;

/// How long after a short-id reroll the next one is refused (pronouns.cc: once an hour; the
/// catalogue's message for `ShortIdRerollTooSoon` says so).
pub const SID_REROLL_COOLDOWN_MS: i64 = 60 * 60 * 1000;

/// `GET` and `POST /users/@me/reroll`: a new short id, or 403 / 2004 with `retry_after` within
/// the cooldown. Time comes from `AppState::clock`.
pub(crate) async fn reroll_short_id(cx: &Authed) -> Reply<Json<PrivateUserWithProfile>> {
    let (id, now_ms) = (cx.me(), cx.state.now_ms());
    match cx.state.db(move |store| store.reroll_sid(id, now_ms, SID_REROLL_COOLDOWN_MS)).await? {
        Ok(Ok(user)) => Ok(Json(wire::private_user_with_profile(&user))),
        Ok(Err(RerollRefusal::TooSoon { retry_after_ms })) => {
            let retry_after_ms = u64::try_from(retry_after_ms).unwrap_or(0);
            Err(ApiError::new(ErrorKind::ShortIdRerollTooSoon(Cooldown { retry_after_ms })))
        }
        // The account was deleted between authentication and the reroll.
        Err(StoreError::NotFound) => Err(ApiError::unauthorized()),
        Err(e) => Err(e.into()),
    }
}

/// The caller's own account with its profile (`GET /users/@me`).
pub(crate) async fn my_user(cx: &Authed) -> Reply<Json<PrivateUserWithProfile>> {
    // Most users' answer was read by the token lookup itself, in the same statement.
    if let Some(user) = cx.caller.own_answer() {
        return Ok(Json(wire::private_user_with_profile(&user)));
    }
    let me = cx.me();
    // The token lookup may have learnt that the caller has pride flags or members: then their
    // several-statement read, without asking again.
    let has_lists = matches!(cx.caller.own_profile, OwnProfileRead::HasLists);
    let read = move |store: &Store| {
        if has_lists {
            store.user_with_lists(me)
        } else {
            store.user_with_profile(me)
        }
    };
    // An account deleted since its token was looked up is no longer authenticated.
    let user = cx.state.find(read, ApiError::unauthorized).await?;
    Ok(Json(wire::private_user_with_profile(&user)))
}

/// [`unknown_user`], for the annotations of the operations that answer it alone as their 404.
#[derive(utoipa::IntoResponses)]
#[response(status = 404, description = "Unknown user (10013).")]
pub struct UnknownUser(pub ErrorBody);

pub(crate) fn unknown_user() -> ApiError {
    ApiError::new(ErrorKind::UnknownUser)
}

/// The user id in a path. A segment that is not a snowflake names nobody, exactly as an id
/// nobody has: `None`, which every use case answers as an unknown user (404 / 10013).
pub(crate) fn user_id_in_path(user_id: &str) -> Option<UserId> {
    user_id.parse().ok()
}

/// What `GET /users/{user_id}` names: a snowflake is an id (then a username), anything else
/// a username (then a short id). The other routes with a `{user_id}` take ids only.
pub(crate) fn user_lookup_in_path(value: &str) -> UserLookup {
    match user_id_in_path(value) {
        Some(id) => UserLookup::Id(id, value.to_owned()),
        None => UserLookup::Name(value.to_owned()),
    }
}

/// A user id in a path: `None` for a segment that names nobody (see [`user_id_in_path`]).
pub(crate) enum User {}

impl PathKind for User {
    const NAMES: &'static [&'static str] = &["user_id"];
    const DESCRIPTION: &'static str = "The user's id.";
    type Value = Option<UserId>;
    fn read(segment: &str) -> Self::Value {
        user_id_in_path(segment)
    }
}

impl InPath<User> {
    /// The id, or 404 / 10013 for a segment that names nobody.
    pub(crate) fn known(&self) -> Result<UserId, ApiError> {
        self.get().ok_or_else(unknown_user)
    }

    /// What `GET /users/{user_id}` looks up ([`user_lookup_in_path`]).
    pub(crate) fn lookup(&self) -> UserLookup {
        user_lookup_in_path(self.segment())
    }

    /// The user the path names, or 404 / 10013.
    pub(crate) async fn record(&self, state: &AppState) -> Result<UserRecord, ApiError> {
        let id = self.known()?;
        state.find(move |store| store.user_by_id(id), unknown_user).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use astral_types::Cooldown;

    /// The catalogue's message names the cooldown; a changed cooldown must change it too.
    #[test]
    fn the_reroll_refusal_names_the_cooldown() {
        let entry = ErrorKind::ShortIdRerollTooSoon(Cooldown { retry_after_ms: 1 }).entry();
        assert_eq!(SID_REROLL_COOLDOWN_MS, 60 * 60 * 1000);
        assert!(entry.message.contains("once an hour"), "{}", entry.message);
    }
}
