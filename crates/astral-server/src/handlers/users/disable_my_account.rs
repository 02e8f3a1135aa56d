use actix_web::post;
use astral_store::LifecycleRefusal;
use astral_types::session::AccountPasswordRequest;
use astral_types::ErrorBody;

use crate::body::JsonBody;
use crate::error::{ApiError, ErrorKind};
use crate::handlers::relationships::BotsRefused;
use crate::handlers::{no_content, Authed, Reply};
use crate::reauth::{self, Needs, Proofs};

/// Disable the current account.
///
/// Needs the current `password` (50035 `BASE_TYPE_REQUIRED` / `PASSWORD_DOES_NOT_MATCH`).
/// Every token of the account is revoked at once (in the same transaction). Logging in then
/// answers 400 / 20013 until a login with `"undelete": true` restores the account. Refused
/// while the caller owns a guild (400 / 40015): transfer it (`PATCH /guilds/{guild_id}`
/// `owner_id`) or delete it first. People only: bots get 403 / 20001.
#[utoipa::path(
    tag = "users",
    request_body(content = AccountPasswordRequest, content_type = "application/json"),
    params(crate::reauth::MfaAuthorizationHeader),
    responses(
        (status = 204, description = "Disabled; every token of the account is revoked."),
        (status = 400, description = "Invalid JSON (50109), a missing or wrong password (50035), or the caller owns guilds (40015).", body = ErrorBody),
        BotsRefused,
    )
)]
#[post("/users/@me/disable")]
pub async fn disable_my_account(cx: Authed, body: JsonBody) -> Reply {
    close_my_account(cx, body, false).await
}

/// Disables the caller's account, or schedules its deletion after the grace period
/// (`deletion_grace_hours`) when `delete`: bots refused, then the body, then the password,
/// then one store transaction (guild ownership, the state, every token revoked).
pub(crate) async fn close_my_account(cx: Authed, body: JsonBody, delete: bool) -> Reply {
    let me = cx.users_only()?;
    let AccountPasswordRequest { password } =
        AccountPasswordRequest::read(&body.0).map_err(ApiError::form)?;
    let proofs = Proofs { password, mfa_code: None };
    reauth::reauthenticate(&cx, Needs::PasswordOrMfa, proofs).await?;
    let now_ms = cx.state.now_ms();
    let due = delete.then(|| now_ms.saturating_add(cx.state.deletion_grace_ms));
    cx.state
        .decide(move |store| store.close_account(me, now_ms, due), |r| closing_refused(r, delete))
        .await?;
    no_content()
}

fn closing_refused(refusal: LifecycleRefusal, delete: bool) -> ApiError {
    match refusal {
        LifecycleRefusal::OwnsGuilds if delete => ApiError::new(ErrorKind::OwnsGuildsCannotDelete),
        LifecycleRefusal::OwnsGuilds => ApiError::new(ErrorKind::OwnsGuildsCannotDisable),
        // Gone since its token was looked up: no longer authenticated.
        LifecycleRefusal::UnknownUser => ApiError::unauthorized(),
        // Not answered by closing an account (it locks and rewrites the state).
        other => ApiError::internal(format!("closing an account answered {other:?}")),
    }
}
