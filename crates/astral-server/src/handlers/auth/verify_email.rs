use actix_web::{post, web::Json};
use astral_store::SecretKind;
use astral_types::auth::TokenResponse;
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
/// issued.
#[utoipa::path(
    tag = "auth",
    request_body(content = VerifyEmailRequest, content_type = "application/json"),
    responses(
        (status = 200, description = "Verified.", body = TokenResponse),
        (status = 400, description = "Invalid JSON (50109); an unknown, used or expired token, or one for an address the account no longer has (50035 `TOKEN_INVALID` on `token`).", body = ErrorBody),
    ),
    security()
)]
#[post("/auth/verify")]
pub async fn verify_email(state: State, body: JsonBody) -> Reply<Json<TokenResponse>> {
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
    let issued = new_token(user);
    let token_hash = issued.secret_hash;
    let verified =
        state.run(move |store| store.verify_email(&secret_hash, now_ms, user, &token_hash)).await?;
    match verified {
        Some(user_id) => Ok(Json(TokenResponse { token: issued.token, user_id })),
        None => Err(invalid()),
    }
}
