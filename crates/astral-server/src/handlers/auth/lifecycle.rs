//! The account lifecycle at login (issue 16 D): after the password and an administrator's
//! suspension are checked, an account its owner disabled or scheduled for deletion is refused
//! (20013 / 20011, 400 as on Discord) unless the login sends `undelete: true`, which restores
//! it. Then the session's token is issued with its client (from the `User-Agent`).

use actix_web::http::header;
use actix_web::HttpRequest;
use astral_store::{LifecycleRefusal, SessionClient};
use astral_types::UserId;

use crate::auth::new_token;
use crate::error::{ApiError, ErrorKind};
use crate::handlers::sessions::client_of_user_agent;
use crate::state::AppState;

/// What a login to an account in this state answers.
pub(crate) fn login_refused(refusal: LifecycleRefusal) -> ApiError {
    match refusal {
        LifecycleRefusal::Disabled => ApiError::new(ErrorKind::AccountSelfDisabled),
        LifecycleRefusal::ScheduledForDeletion => {
            ApiError::new(ErrorKind::AccountScheduledForDeletion)
        }
        // A purged account has no password: its login never gets this far.
        LifecycleRefusal::Deleted | LifecycleRefusal::UnknownUser => ApiError::unauthorized(),
        LifecycleRefusal::OwnsGuilds => ApiError::internal("a login was refused for owning guilds"),
    }
}

/// Refuses a login to a disabled or deleting account, or restores it when `undelete`.
pub(crate) async fn account_state_refusal(
    state: &AppState,
    user: UserId,
    undelete: bool,
) -> Result<(), ApiError> {
    state.decide(move |store| store.login_lifecycle(user, undelete), login_refused).await
}

/// Issues the login's token, recorded with the client its `User-Agent` names and now as its
/// last use. Refused (as [`account_state_refusal`]) if the account was disabled meanwhile.
pub(crate) async fn issue_session_token(
    state: &AppState,
    req: &HttpRequest,
    user: UserId,
) -> Result<String, ApiError> {
    let client = request_client(req);
    let issued = new_token(user);
    let (hash, now_ms) = (issued.secret_hash, state.now_ms());
    state
        .decide(move |store| store.create_session(user, &hash, client, now_ms), login_refused)
        .await?;
    Ok(issued.token)
}

// issue 16 C-l
/// The client a request's `User-Agent` names, recorded with every session token issued to it
/// (`astral_store`'s one writer of session tokens).
pub(crate) fn request_client(req: &HttpRequest) -> SessionClient {
    client_of_user_agent(req.headers().get(header::USER_AGENT).and_then(|v| v.to_str().ok()))
}
