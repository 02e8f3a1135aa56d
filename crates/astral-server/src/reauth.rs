//! Re-authentication: the current password a person sends with a sensitive change.
//!
//! STAND-IN (issue 16 D): the real module is workstream A's (branch acc-a), with the same
//! signature; at merge, A's file replaces this one.

use crate::auth::verify_password;
use crate::error::ApiError;
use crate::handlers::Authed;

/// Checks the caller's current `password`. People only (a bot: 403 / 20001). Missing: 50035
/// `password` `BASE_TYPE_REQUIRED`; wrong: 50035 `password` `PASSWORD_DOES_NOT_MATCH`
/// "Password does not match.". argon2 runs on the password pool.
pub(crate) async fn require_password(
    cx: &Authed,
    password: Option<String>,
) -> Result<(), ApiError> {
    cx.users_only()?;
    let Some(password) = password else {
        return Err(ApiError::field("password", "BASE_TYPE_REQUIRED", "This field is required"));
    };
    // The hash is read now (the token lookup never reads it).
    let username = cx.caller.user.username.clone();
    let me = cx.me();
    let account = cx.state.run(move |store| store.user_for_login(&username)).await?;
    let hash = account.filter(|(user, _)| user.user_id() == me).and_then(|(_, hash)| hash);
    let verified =
        cx.state.password_pool.run(move || verify_password(&password, hash.as_deref())).await?;
    if !verified {
        return Err(ApiError::field(
            "password",
            "PASSWORD_DOES_NOT_MATCH",
            "Password does not match.",
        ));
    }
    Ok(())
}
