use actix_web::{post, web::Json, HttpRequest};
use astral_store::SecretKind;
use astral_types::auth::LoginResponse;
use astral_types::email::{VerifyEmailRequest, TOKEN_INVALID, TOKEN_INVALID_MESSAGE};
use astral_types::ErrorBody;

use crate::auth::new_token;
use crate::body::JsonBody;
use crate::error::ApiError;
use crate::handlers::{Reply, State};
use crate::mail;

/// Verify an email address with a mailed token.
///
/// The token (valid 24 hours, single use) verifies the address it was mailed to, if that is
/// still the account's address; the account's `verified` becomes true and a new token is
/// issued, except with two-factor authentication on: then the answer has no `token` (as on
/// Discord: a mailed link must not log anyone in past the second factor).
#[utoipa::path(
    tag = "auth",
    request_body(content = VerifyEmailRequest, content_type = "application/json"),
    responses(
        (status = 200, description = "Verified.", body = LoginResponse),
        (status = 400, description = "Invalid JSON (50109); an unknown, used or expired token, or one for an address the account no longer has (50035 `TOKEN_INVALID` on `token`).", body = ErrorBody),
    ),
    security()
)]
#[post("/auth/verify")]
pub async fn verify_email(
    state: State,
    req: HttpRequest,
    body: JsonBody,
) -> Reply<Json<LoginResponse>> {
    let VerifyEmailRequest { token } = VerifyEmailRequest::read(&body.0).map_err(ApiError::form)?;
    let invalid = || ApiError::field("token", TOKEN_INVALID, TOKEN_INVALID_MESSAGE);
    let secret_hash = mail::secret_hash(SecretKind::EmailVerify, &token);
    // Whose it is, to issue the API token (which names its user) in the verifying transaction.
    let (now_ms, peeked) = (state.now_ms(), secret_hash.clone());
    let Some(user) = state
        .run(move |store| store.live_secret_owner(SecretKind::EmailVerify, &peeked, now_ms))
        .await?
    else {
        return Err(invalid());
    };
    // issue 16 C-l: with two-factor authentication on, no token (Discord omits it); otherwise
    // a session recorded with its client, as a login's.
    let mfa_on = state.run(move |store| store.mfa(user)).await?.is_some();
    let issued = (!mfa_on).then(|| new_token(user));
    let session = issued
        .as_ref()
        .map(|issued| (issued.secret_hash.clone(), super::lifecycle::request_client(&req)));
    let verified = state
        .run(move |store| {
            let session = session.as_ref().map(|(hash, client)| (hash.as_str(), client.clone()));
            store.verify_email(&secret_hash, now_ms, user, session)
        })
        .await?;
    match (verified, issued) {
        (Some(user_id), Some(issued)) => Ok(Json(LoginResponse::token(user_id, issued.token))),
        (Some(user_id), None) => Ok(Json(LoginResponse::bare(user_id))),
        (None, _) => Err(invalid()),
    }
}
