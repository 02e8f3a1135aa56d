use actix_web::put;
use astral_types::email::EMAIL_NOT_VERIFIED;
use astral_types::ErrorBody;

use crate::error::ApiError;
use crate::handlers::auth::resend_verification_email::refused;
use crate::handlers::relationships::BotsRefused;
use crate::handlers::{no_content, Authed, Reply};
use crate::mail::{self, Mail};

/// Start changing a verified email address: mail a code to it.
///
/// Mails a 6-digit code (valid 10 minutes, 5 tries) to the current, verified address;
/// `POST /users/@me/email/verify-code` turns it into an `email_token` for `PATCH /users/@me`.
/// An account without a verified address changes it with its password alone. Mails are limited
/// per account (`rate_limit_mail_per_account`, 429).
#[utoipa::path(
    tag = "users",
    responses(
        (status = 204, description = "Mailed."),
        (status = 400, description = "No verified email address (50035 `EMAIL_NOT_VERIFIED` on `email`).", body = ErrorBody),
        BotsRefused,
    )
)]
#[put("/users/@me/email")]
pub async fn change_my_email_challenge(cx: Authed) -> Reply {
    let user = cx.users_only()?;
    let caller = &cx.caller.user;
    if caller.email.is_none() || !caller.verified {
        return Err(not_verified());
    }
    mail::charge_mail(&cx.state, user).await?;
    let code = mail::new_code();
    let hash = mail::code_hash(user, &code);
    let expires_ms = cx.state.now_ms().saturating_add(mail::CHANGE_CODE_TTL_MS);
    let to = cx
        .state
        .decide(move |store| store.issue_email_change_code(user, &hash, expires_ms), refused)
        .await?;
    mail::send_or_unavailable(&cx.state, Mail::email_change(to, &code, expires_ms)).await?;
    no_content()
}

/// The 50035 of an email change that needs no code: the address is absent or unverified.
pub(crate) fn not_verified() -> ApiError {
    ApiError::field(
        "email",
        EMAIL_NOT_VERIFIED,
        "Your email address is not verified: change it with your password.",
    )
}
