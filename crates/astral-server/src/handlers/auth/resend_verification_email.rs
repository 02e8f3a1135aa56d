use actix_web::post;
use astral_store::{EmailRefusal, SecretKind};
use astral_types::email::EMAIL_ALREADY_VERIFIED;
use astral_types::ErrorBody;

use crate::error::ApiError;
use crate::handlers::relationships::BotsRefused;
use crate::handlers::{no_content, Authed, Reply};
use crate::mail::{self, Mail};

/// Mail a new verification token to the caller's unverified address.
///
/// Replaces any earlier verification token. Mails are limited per account
/// (`rate_limit_mail_per_account`, 429).
#[utoipa::path(
    tag = "auth",
    responses(
        (status = 204, description = "Mailed."),
        (status = 400, description = "No email address (50035 `BASE_TYPE_REQUIRED` on `email`), or it is already verified (50035 `EMAIL_ALREADY_VERIFIED` on `email`).", body = ErrorBody),
        BotsRefused,
    )
)]
#[post("/auth/verify/resend")]
pub async fn resend_verification_email(cx: Authed) -> Reply {
    let user = cx.users_only()?;
    // Refused before a mail is charged to the account.
    let caller = &cx.caller.user;
    if let Some(refusal) = match (&caller.email, caller.verified) {
        (None, _) => Some(EmailRefusal::NoEmail),
        (Some(_), true) => Some(EmailRefusal::AlreadyVerified),
        _ => None,
    } {
        return Err(refused(refusal));
    }
    mail::charge_mail(&cx.state, user).await?;
    let token = mail::new_secret();
    let hash = mail::secret_hash(SecretKind::EmailVerify, &token);
    let expires_ms = cx.state.now_ms().saturating_add(mail::VERIFY_TOKEN_TTL_MS);
    let to = cx
        .state
        .decide(move |store| store.issue_email_verification(user, &hash, expires_ms), refused)
        .await?;
    mail::send_or_unavailable(&cx.state, Mail::verification(to, &token, expires_ms)).await?;
    no_content()
}

/// The 50035 for an address that cannot be (re)verified.
pub(crate) fn refused(refusal: EmailRefusal) -> ApiError {
    match refusal {
        EmailRefusal::NoEmail => {
            ApiError::field("email", "BASE_TYPE_REQUIRED", "You have no email address set.")
        }
        EmailRefusal::AlreadyVerified => ApiError::field(
            "email",
            EMAIL_ALREADY_VERIFIED,
            "Your email address is already verified.",
        ),
        EmailRefusal::NotVerified => {
            crate::handlers::users::change_my_email_challenge::not_verified()
        }
        EmailRefusal::NoSuchUser => ApiError::unauthorized(),
    }
}
