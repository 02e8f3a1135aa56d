use actix_web::{post, web::Json};
use astral_store::SecretKind;
use astral_types::auth::TokenResponse;
use astral_types::email::{ResetPasswordRequest, TOKEN_INVALID, TOKEN_INVALID_MESSAGE};
use astral_types::password::{self, Account};
use astral_types::{ErrorBody, FormErrors};

use crate::auth::{hash_password, new_token};
use crate::body::JsonBody;
use crate::error::ApiError;
use crate::handlers::{Reply, State};
use crate::mail;

/// Set a new password with a mailed reset token.
///
/// The token is checked before the password is hashed. The new password follows the password
/// rule. In one transaction the password changes, every token of the account is revoked and
/// one new token is issued (the answer's).
#[utoipa::path(
    tag = "auth",
    request_body(content = ResetPasswordRequest, content_type = "application/json"),
    responses(
        (status = 200, description = "Password set; every earlier token is revoked.", body = TokenResponse),
        (status = 400, description = "Invalid JSON (50109); an unknown, used or expired token (50035 `TOKEN_INVALID` on `token`); a password the rule refuses (50035 on `password`, e.g. `PASSWORD_TOO_WEAK`).", body = ErrorBody),
    ),
    security()
)]
#[post("/auth/reset")]
pub async fn reset_password(state: State, body: JsonBody) -> Reply<Json<TokenResponse>> {
    let ResetPasswordRequest { token, password } =
        ResetPasswordRequest::read(&body.0).map_err(ApiError::form)?;
    let invalid = || ApiError::field("token", TOKEN_INVALID, TOKEN_INVALID_MESSAGE);
    let secret_hash = mail::secret_hash(SecretKind::PasswordReset, &token);
    // The token first: nobody without one makes the server run the strength estimate or argon2.
    let (now_ms, peeked) = (state.now_ms(), secret_hash.clone());
    let Some((user, username, email)) =
        state.run(move |store| store.password_reset_owner(&peeked, now_ms)).await?
    else {
        return Err(invalid());
    };
    let checked = password.clone();
    let refusal = state
        .password_pool
        .run(move || {
            let account = Account { username: Some(&username), email: email.as_deref() };
            password::refusal(&checked, account)
        })
        .await?;
    if let Some(refusal) = refusal {
        let mut errors = FormErrors::new();
        refusal.record(&mut errors);
        return Err(ApiError::form(errors));
    }
    // MFA: issue 16 C (with MFA on, Discord answers the MFA-required shape here, then a retry
    // with `ticket` and `code`).
    let password_hash = state.password_pool.run(move || hash_password(&password)).await??;
    let issued = new_token(user);
    let (now_ms, token_hash) = (state.now_ms(), issued.secret_hash);
    let done = state
        .run(move |store| {
            store.reset_password_with_token(&secret_hash, now_ms, &password_hash, &token_hash)
        })
        .await?;
    match done {
        Some(user_id) => Ok(Json(TokenResponse { token: issued.token, user_id })),
        // Used concurrently, or expired while the password was hashed.
        None => Err(invalid()),
    }
}
