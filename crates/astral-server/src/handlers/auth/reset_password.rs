use actix_web::{post, web::Json, HttpRequest};
use astral_store::SecretKind;
use astral_types::auth::LoginResponse;
use astral_types::email::{ResetPasswordRequest, TOKEN_INVALID, TOKEN_INVALID_MESSAGE};
use astral_types::password::{self, Account};
use astral_types::{ErrorBody, FormErrors};

use crate::auth::{hash_password, new_token};
use crate::body::JsonBody;
use crate::error::ApiError;
use crate::handlers::{Reply, State};
use crate::mail;
use crate::mfa::Accepts;

/// Set a new password with a mailed reset token.
///
/// The token is checked before the password is hashed. The new password follows the password
/// rule. In one transaction the password changes, every token of the account is revoked and
/// one new token is issued (the answer's).
///
/// With two-factor authentication on, a request without `ticket` and `code` changes nothing and
/// answers `mfa: true` with a `ticket` (the reset token stays good); the same request again
/// with `ticket` and `code` (a TOTP or backup code) resets.
#[utoipa::path(
    tag = "auth",
    request_body(content = ResetPasswordRequest, content_type = "application/json"),
    responses(
        (status = 200, description = "Password set, every earlier token revoked (`token`); or, with two-factor authentication on and no `ticket`, nothing changed yet (`mfa: true`, `ticket`).", body = LoginResponse),
        (status = 400, description = "Invalid JSON (50109); an unknown, used or expired token (50035 `TOKEN_INVALID` on `token`); a password the rule refuses (50035 on `password`, e.g. `PASSWORD_TOO_WEAK`); an unknown, used or expired ticket (60006); a wrong code (60008).", body = ErrorBody),
    ),
    security()
)]
#[post("/auth/reset")]
pub async fn reset_password(
    state: State,
    req: HttpRequest,
    body: JsonBody,
) -> Reply<Json<LoginResponse>> {
    let ResetPasswordRequest { token, password, ticket, code } =
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
    // issue 16 C-l: with two-factor authentication on, Discord's two steps: without `ticket`
    // and `code`, a ticket (the reset token stays good); with them, the code is checked.
    if state.run(move |store| store.mfa(user)).await?.is_some() {
        match (ticket, code) {
            (None, None) => {
                let kind = SecretKind::MfaResetTicket;
                let ticket = crate::reauth::issue_ticket(&state, user, kind, None).await?;
                return Ok(Json(LoginResponse::mfa_required(user, ticket)));
            }
            (Some(ticket), Some(code)) => {
                let kind = SecretKind::MfaResetTicket;
                let accepts = Accepts::TotpOrBackup;
                // A ticket of another account's reset proves nothing here.
                let owner = Some(user);
                crate::reauth::redeem_ticket(&state, kind, owner, &ticket, &code, accepts).await?;
            }
            (Some(_), None) => return Err(required("code")),
            (None, Some(_)) => return Err(required("ticket")),
        }
    }
    let password_hash = state.password_pool.run(move || hash_password(&password)).await??;
    let issued = new_token(user);
    let (now_ms, token_hash) = (state.now_ms(), issued.secret_hash);
    let client = super::lifecycle::request_client(&req);
    let done = state
        .run(move |store| {
            store.reset_password_with_token(
                &secret_hash,
                now_ms,
                &password_hash,
                &token_hash,
                client,
            )
        })
        .await?;
    match done {
        Some(user_id) => Ok(Json(LoginResponse::token(user_id, issued.token))),
        // Used concurrently, or expired while the password was hashed.
        None => Err(invalid()),
    }
}

/// 50035 `BASE_TYPE_REQUIRED` on `field` (`ticket` and `code` come together).
fn required(field: &str) -> ApiError {
    ApiError::field(field, "BASE_TYPE_REQUIRED", "This field is required")
}
