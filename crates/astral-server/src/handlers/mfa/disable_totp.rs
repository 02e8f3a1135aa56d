use actix_web::web::Json;
use actix_web::{post, HttpRequest};
use astral_types::mfa::{DisableTotpRequest, MfaTokenResponse};
use astral_types::ErrorBody;

use crate::auth::new_token;
use crate::body::OptionalJsonBody;
use crate::error::{ApiError, ErrorKind};
use crate::handlers::auth::lifecycle::request_client;
use crate::handlers::mfa::refused;
use crate::handlers::relationships::BotsRefused;
use crate::handlers::{Authed, Reply};
use crate::reauth;

/// Turn off two-factor authentication.
///
/// Needs the second factor: an inline `code` (a TOTP code or an unused backup code, Fluxer's
/// way), else the `X-Discord-MFA-Authorization` token from `POST /mfa/finish` (Discord's
/// way), else 401 / 60003 with a ticket. A wrong code: 400 / 60008. Not enabled: 400 / 60002
/// (before any factor is asked). The authenticator and the backup codes are deleted and every
/// token of the account is revoked; the answer carries the one new `token`. The body is
/// optional. People only: bots get 403 / 20001.
#[utoipa::path(
    tag = "users",
    params(
        ("X-Discord-MFA-Authorization" = Option<String>, Header, nullable = false, description = "The token `POST /mfa/finish` answered, proving the second factor (instead of `code`)."),
    ),
    request_body(content = Option<DisableTotpRequest>, content_type = "application/json"),
    responses(
        (status = 200, description = "Disabled; every earlier token is revoked.", body = MfaTokenResponse),
        (status = 400, description = "Invalid JSON (50109) or fields (50035), not enabled (60002), a wrong code (60008).", body = ErrorBody),
        BotsRefused,
    )
)]
#[post("/users/@me/mfa/totp/disable")]
pub async fn disable_totp(
    cx: Authed,
    req: HttpRequest,
    body: OptionalJsonBody,
) -> Reply<Json<MfaTokenResponse>> {
    let me = cx.users_only()?;
    let DisableTotpRequest { code } = DisableTotpRequest::read(&body.0).map_err(ApiError::form)?;
    if !cx.caller.user.mfa_enabled {
        return Err(ApiError::new(ErrorKind::MfaNotEnabled));
    }
    reauth::require_second_factor(&cx.state, me, cx.mfa_authorization.as_deref(), code).await?;
    let issued = new_token(me);
    // The new token is a session of the client that asked.
    let (token_hash, client, now_ms) =
        (issued.secret_hash, request_client(&req), cx.state.now_ms());
    cx.state
        .decide(move |store| store.disable_totp(me, &token_hash, &client, now_ms), refused)
        .await?;
    Ok(Json(MfaTokenResponse { token: issued.token }))
}
