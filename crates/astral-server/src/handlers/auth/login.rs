use actix_web::{post, HttpMessage, HttpRequest, HttpResponse};
use astral_store::SecretKind;
use astral_types::auth::{LoginRequest, LoginResponse};
use astral_types::{ErrorBody, ErrorKind, FormErrors};

use crate::auth::verify_password;
use crate::body::JsonBody;
use crate::error::ApiError;
use crate::handlers::{Reply, State};
use crate::ratelimit::ClientAddress;

/// Log in with a username or email and a password.
///
/// Each login issues a new token; earlier tokens stay valid until logged out.
///
/// Failed logins are slowed per address and per account: past the limit the answer is 429
/// (`X-RateLimit-Scope: user` for the address, `shared` for the account) before the password is
/// checked. The owner logging in from an address without recent failures is never refused for
/// the account's count (docs/rate-limits.md).
///
/// An account an administrator suspended (`astral users suspend`) cannot log in: the right
/// password answers 403 `This account is disabled` (20013), a wrong one 400 as for anyone.
///
/// An account its owner disabled (`POST /users/@me/disable`) answers 400 / 20013, one
/// scheduled for deletion (`POST /users/@me/delete`) 400 / 20011, both only after the right
/// password; `"undelete": true` restores it and logs in (it never lifts a suspension).
///
/// With two-factor authentication on, the right password answers 200 without a `token`:
/// `mfa: true` and a `ticket` (valid 5 minutes) for `POST /auth/mfa/{authenticator_type}`, as
/// Discord does.
#[utoipa::path(
    tag = "auth",
    request_body(content = LoginRequest, content_type = "application/json"),
    responses(
        (status = 200, description = "Logged in (`token`), or, with two-factor authentication on, a `ticket` for `POST /auth/mfa/{authenticator_type}` (`mfa: true`, no `token`).", body = LoginResponse),
        (status = 400, description = "Invalid JSON (50109), missing fields or wrong credentials (50035 `INVALID_LOGIN`); the account is disabled (20013) or scheduled for deletion (20011) by its owner, said only after the password checked out.", body = ErrorBody),
        (status = 403, description = "The account is suspended by an administrator (20013), said only after the password checked out.", body = ErrorBody),
    ),
    security()
)]
#[post("/auth/login")]
pub async fn login(state: State, req: HttpRequest, body: JsonBody) -> Reply {
    let LoginRequest { login, password, undelete } =
        LoginRequest::read(&body.0).map_err(ApiError::form)?;

    let login_key = login.to_lowercase();
    let account = state.run(move |store| store.user_for_login(&login)).await?;
    let (user, hash) = match account {
        Some((user, hash)) => (Some(user), hash),
        None => (None, None),
    };
    // Failed logins are counted per address and per account (by id, however it was named;
    // a name that names no account is counted as one, so both look alike).
    let throttle =
        state.limiter.clone().zip(req.extensions().get::<ClientAddress>().map(|a| a.0)).map(
            |(limiter, ip)| {
                let account = match &user {
                    Some(user) => format!("id:{}", user.user_id()),
                    None => format!("login:{login_key}"),
                };
                (limiter, ip, account)
            },
        );
    // The attempt holds its place in those buckets from here: concurrent guesses cannot all
    // be checked before the first failure is counted. A success gives the places back.
    let mut attempt = None;
    if let Some((limiter, ip, account)) = &throttle {
        let (check, reserved) = limiter.begin_login(*ip, account).await;
        if let Some(refusal) = &check.refusal {
            return Err(ApiError::rate_limited(refusal, &check));
        }
        attempt = reserved;
    }
    let verified =
        state.password_pool.run(move || verify_password(&password, hash.as_deref())).await?;
    let Some(user) = user.filter(|_| verified) else {
        let mut errors = FormErrors::new();
        errors.field("login", "INVALID_LOGIN", "Login or password is invalid.");
        errors.field("password", "INVALID_LOGIN", "Login or password is invalid.");
        return Err(ApiError::form(errors));
    };
    if let (Some((limiter, _, _)), Some(attempt)) = (&throttle, attempt) {
        limiter.login_succeeded(attempt).await;
    }
    let user_id = user.user_id();
    // Said only to whoever knows the password. A suspension that lands after this check still
    // holds: the token issued below does not authenticate while it lasts.
    if state.run(move |store| store.is_suspended(user_id)).await? {
        return Err(ApiError::new(ErrorKind::AccountDisabled));
    }
    let undelete = undelete.unwrap_or(false);
    // issue 16 C-l: with two-factor authentication on, a ticket instead of a token. The
    // account's state is said now (after the password), but `undelete` restores it only once
    // the second factor checks out (`POST /auth/mfa/{authenticator_type}`).
    if user.mfa_enabled {
        match super::lifecycle::account_state_refusal(&state, user_id, false).await {
            Ok(()) => {}
            Err(refusal) if undelete && is_lifecycle_refusal(&refusal) => {}
            Err(refusal) => return Err(refusal),
        }
        let detail = undelete.then_some(super::verify_mfa_login::UNDELETE);
        let ticket =
            crate::reauth::issue_ticket(&state, user_id, SecretKind::MfaLoginTicket, detail)
                .await?;
        return Ok(HttpResponse::Ok().json(LoginResponse::mfa_required(user_id, ticket)));
    }
    // issue 16 D: an account its owner disabled or is deleting (restored by `undelete`).
    super::lifecycle::account_state_refusal(&state, user_id, undelete).await?;
    let token = super::lifecycle::issue_session_token(&state, &req, user_id).await?;
    Ok(HttpResponse::Ok().json(LoginResponse::token(user_id, token)))
}

/// Whether a login was refused for the account's own state (disabled, or being deleted), which
/// `undelete` lifts.
fn is_lifecycle_refusal(refusal: &ApiError) -> bool {
    matches!(refusal.kind, ErrorKind::AccountSelfDisabled | ErrorKind::AccountScheduledForDeletion)
}
