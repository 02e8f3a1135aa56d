use actix_web::{post, web::Json};
use astral_store::{NewSecret, SecretKind};
use astral_types::email::{
    EmailTokenResponse, VerifyEmailCodeRequest, TOKEN_INVALID, TOKEN_INVALID_MESSAGE,
};
use astral_types::ErrorBody;

use crate::body::JsonBody;
use crate::error::ApiError;
use crate::handlers::relationships::BotsRefused;
use crate::handlers::{Authed, Reply};
use crate::mail;

/// Turn a mailed email-change code into an `email_token`.
///
/// The `email_token` (valid 30 minutes, single use) lets `PATCH /users/@me` change the verified
/// address. Five wrong codes end the code.
#[utoipa::path(
    tag = "users",
    request_body(content = VerifyEmailCodeRequest, content_type = "application/json"),
    responses(
        (status = 200, description = "The code was right.", body = EmailTokenResponse),
        (status = 400, description = "Invalid JSON (50109); a wrong, used up or expired code (50035 `TOKEN_INVALID` on `code`).", body = ErrorBody),
        BotsRefused,
    )
)]
#[post("/users/@me/email/verify-code")]
pub async fn verify_email_change_code(
    cx: Authed,
    body: JsonBody,
) -> Reply<Json<EmailTokenResponse>> {
    let user = cx.users_only()?;
    let VerifyEmailCodeRequest { code } =
        VerifyEmailCodeRequest::read(&body.0).map_err(ApiError::form)?;
    let code_hash = mail::code_hash(user, &code);
    let token = mail::new_secret();
    let token_hash = mail::email_token_hash(&token);
    let now_ms = cx.state.now_ms();
    let expires_ms = now_ms.saturating_add(mail::EMAIL_TOKEN_TTL_MS);
    let accepted = cx
        .state
        .run(move |store| {
            let email_token = NewSecret {
                kind: SecretKind::EmailChangeToken,
                secret_hash: &token_hash,
                detail: None,
                expires_ms,
            };
            store.redeem_email_change_code(user, &code_hash, now_ms, email_token)
        })
        .await?;
    if !accepted {
        return Err(ApiError::field("code", TOKEN_INVALID, TOKEN_INVALID_MESSAGE));
    }
    Ok(Json(EmailTokenResponse { token }))
}
