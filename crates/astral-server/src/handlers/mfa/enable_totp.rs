use actix_web::web::Json;
use actix_web::{post, HttpRequest};
use astral_store::TotpEnable;
use astral_types::mfa::{EnableTotpRequest, EnableTotpResponse};
use astral_types::ErrorBody;

use crate::auth::new_token;
use crate::body::JsonBody;
use crate::error::{ApiError, ErrorKind};
use crate::handlers::auth::lifecycle::request_client;
use crate::handlers::mfa::{fresh_codes, refused};
use crate::handlers::relationships::BotsRefused;
use crate::handlers::{Authed, Reply};
use crate::mfa;
use crate::reauth;

/// Turn on two-factor authentication with an authenticator app (TOTP).
///
/// The client makes the `secret` (base32, 16 to 64 characters), shows it to the person (a QR
/// code) and sends it back with the current `password` and the `code` their authenticator
/// shows. Checked in this order: the password (50035 `BASE_TYPE_REQUIRED` /
/// `PASSWORD_DOES_NOT_MATCH`), already enabled (60001), the server's `mfa_key` (50035
/// `MFA_NOT_CONFIGURED`), the secret (60005), the code (60008). Then, in one transaction:
/// the secret is stored sealed, ten backup codes are made, every token of the account is
/// revoked, and the answer carries the one new `token` and the codes. The code that enabled it
/// cannot be used again. People only: bots get 403 / 20001.
#[utoipa::path(
    tag = "users",
    request_body(content = EnableTotpRequest, content_type = "application/json"),
    responses(
        (status = 200, description = "Enabled; every earlier token is revoked.", body = EnableTotpResponse),
        (status = 400, description = "Invalid JSON (50109), a missing or wrong password or no `mfa_key` configured (50035), already enabled (60001), a missing or invalid secret (60005), a missing or wrong code (60008).", body = ErrorBody),
        BotsRefused,
    )
)]
#[post("/users/@me/mfa/totp/enable")]
pub async fn enable_totp(
    cx: Authed,
    req: HttpRequest,
    body: JsonBody,
) -> Reply<Json<EnableTotpResponse>> {
    let me = cx.users_only()?;
    let EnableTotpRequest { password, secret, code } =
        EnableTotpRequest::read(&body.0).map_err(ApiError::form)?;
    reauth::require_password(&cx, password).await?;
    if cx.caller.user.mfa_enabled {
        return Err(ApiError::new(ErrorKind::MfaAlreadyEnabled));
    }
    let key = mfa::key(&cx.state)?.clone();
    let secret = secret
        .as_deref()
        .and_then(mfa::read_secret)
        .ok_or_else(|| ApiError::new(ErrorKind::InvalidMfaSecret))?;
    let now_secs = u64::try_from(cx.state.now_ms() / 1000).unwrap_or(0);
    let step = code
        .as_deref()
        .and_then(|code| mfa::matching_step(&secret, code, now_secs))
        .ok_or_else(|| ApiError::new(ErrorKind::InvalidMfaCode))?;
    let sealed_secret = key.seal(&mfa::secret_context(me), &secret);
    let codes = mfa::new_backup_codes();
    let sealed_codes = mfa::seal_backup_codes(&key, me, &codes);
    let issued = new_token(me);
    let (now_ms, token_hash) = (cx.state.now_ms(), issued.secret_hash);
    // The new token is a session of the client that asked.
    let client = request_client(&req);
    cx.state
        .decide(
            move |store| {
                let enable = TotpEnable {
                    sealed_secret: &sealed_secret,
                    step,
                    sealed_codes: &sealed_codes,
                    now_ms,
                    token_secret_hash: &token_hash,
                    client: &client,
                };
                store.enable_totp(me, enable)
            },
            refused,
        )
        .await?;
    Ok(Json(EnableTotpResponse { token: issued.token, backup_codes: fresh_codes(me, &codes) }))
}
