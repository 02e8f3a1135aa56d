use actix_web::{post, HttpResponse};
use astral_store::SecretKind;
use astral_types::email::{ForgotPasswordRequest, ForgotPasswordResponse, PASSWORD_RESET};
use astral_types::ErrorBody;

use crate::body::JsonBody;
use crate::error::ApiError;
use crate::handlers::{Reply, State};
use crate::mail::{self, Mail};

/// Ask for a password-reset mail.
///
/// Answers 200 `{"method": "password_reset"}` whatever `login` names, so that the answer does
/// not tell whether an account exists. When it names an account with an email address, a reset
/// token (valid 1 hour, single use) is mailed there (at most `rate_limit_mail_per_account`
/// mails per account; past it nothing is sent, the answer is the same). Charged to the client
/// address's unauthenticated bucket.
#[utoipa::path(
    tag = "auth",
    request_body(content = ForgotPasswordRequest, content_type = "application/json"),
    responses(
        (status = 200, description = "Accepted (whether or not a mail was sent).", body = ForgotPasswordResponse),
        (status = 400, description = "Invalid JSON (50109) or a missing `login` (50035).", body = ErrorBody),
    ),
    security()
)]
#[post("/auth/forgot")]
pub async fn forgot_password(state: State, body: JsonBody) -> Reply {
    let ForgotPasswordRequest { login } =
        ForgotPasswordRequest::read(&body.0).map_err(ApiError::form)?;
    let account = state.run(move |store| store.password_reset_account(&login)).await?;
    if let Some((user, _)) = account {
        // Issued and mailed after answering, so that an account with an address is not told
        // apart by how long the answer takes.
        let state = state.clone();
        actix_web::rt::spawn(async move {
            if mail::charge_mail(&state, user).await.is_err() {
                tracing::info!(%user, "reset mail not sent: the account's mail limit is reached");
                return;
            }
            let token = mail::new_secret();
            let hash = mail::secret_hash(SecretKind::PasswordReset, &token);
            let expires_ms = state.now_ms().saturating_add(mail::RESET_TOKEN_TTL_MS);
            match state.run(move |store| store.issue_password_reset(user, &hash, expires_ms)).await
            {
                Ok(Some(to)) => {
                    if let Err(e) =
                        mail::send(&state, Mail::password_reset(to, &token, expires_ms)).await
                    {
                        tracing::warn!(%user, error = %e, "reset mail not sent");
                    }
                }
                Ok(None) => {}
                Err(e) => tracing::warn!(%user, error = %e, "reset token not issued"),
            }
        });
    }
    Ok(HttpResponse::Ok().json(ForgotPasswordResponse { method: PASSWORD_RESET.to_owned() }))
}
