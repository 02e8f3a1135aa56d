//! Re-authentication: the current password a person sends with a sensitive change
//! (docs/accounts.md#re-authentication). One function for every route that needs it.
//!
//! Failed checks are charged to the account's failed-login bucket (the one `/auth/login`
//! charges), so a stolen token cannot be used to guess the password faster than a login can:
//! past the bucket the answer is 429 before the password is checked. A correct password gives
//! its place back. MFA is not built yet: with MFA, Discord asks for a code instead (60003).

use astral_types::FormErrors;

use crate::auth::verify_password;
use crate::error::ApiError;
use crate::handlers::Authed;

/// The field error for a wrong password (Discord's, as Litecord answers it).
pub(crate) const PASSWORD_DOES_NOT_MATCH: &str = "PASSWORD_DOES_NOT_MATCH";

/// Checks the caller's current `password`. People only (a bot has no password: 403 / 20001).
/// Missing: 50035 `password` `BASE_TYPE_REQUIRED`; wrong: 50035 `password`
/// `PASSWORD_DOES_NOT_MATCH` "Password does not match."; too many wrong ones for the account:
/// 429. argon2 runs on the password pool.
pub(crate) async fn require_password(
    cx: &Authed,
    password: Option<String>,
) -> Result<(), ApiError> {
    let user_id = cx.users_only()?;
    let Some(password) = password else {
        return Err(ApiError::field("password", "BASE_TYPE_REQUIRED", "This field is required"));
    };
    // The same account key login uses, so both kinds of guess fill one bucket.
    let account = format!("id:{user_id}");
    let mut attempt = None;
    if let Some(limiter) = &cx.state.limiter {
        let (check, reserved) = limiter.begin_reauth(&account).await;
        if let Some(refusal) = &check.refusal {
            return Err(ApiError::rate_limited(refusal, &check));
        }
        attempt = reserved;
    }
    // The hash is read now (not from the token lookup, which never reads it), so a password
    // changed a moment ago is the one checked.
    let hash = cx.state.run(move |store| store.password_hash(user_id)).await?;
    let verified =
        cx.state.password_pool.run(move || verify_password(&password, hash.as_deref())).await?;
    if !verified {
        let mut errors = FormErrors::new();
        errors.field("password", PASSWORD_DOES_NOT_MATCH, "Password does not match.");
        return Err(ApiError::form(errors));
    }
    if let (Some(limiter), Some(attempt)) = (&cx.state.limiter, attempt) {
        limiter.login_succeeded(attempt).await;
    }
    Ok(())
}
