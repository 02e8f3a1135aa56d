//! Account mail (issue 16 B): email verification tokens, email-change codes and password-reset
//! tokens, sent after the transaction that issued them commits.
//!
//! Mail goes over SMTP (lettre, tokio and rustls; no OpenSSL) when `smtp_url` is set, and
//! otherwise into the `mail_outbox` table, read with `astral mail outbox`. Only a SHA-256 of
//! each secret is stored in `account_secrets` ([`secret_hash`]); the outbox is the one place a
//! secret is kept in clear, until it is taken or expires with the secret (docs/security.md).
//! Mails are limited per target account (`rate_limit_mail_per_account`).

use std::str::FromStr;

use astral_store::{NewOutboxMail, SecretKind};
use astral_types::UserId;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use lettre::message::header::ContentType;
use lettre::message::Mailbox;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use rand::{Rng, RngCore};
use sha2::{Digest, Sha256};

use crate::error::{ApiError, ErrorKind};
use crate::state::AppState;

/// `mail_from`'s default.
pub const DEFAULT_MAIL_FROM: &str = "Astral <noreply@localhost>";

/// How long each secret lives (ms): the email-change code, the `email_token` it turns into,
/// the verification token, the reset token.
pub const CHANGE_CODE_TTL_MS: i64 = 10 * 60 * 1000;
pub const EMAIL_TOKEN_TTL_MS: i64 = 30 * 60 * 1000;
pub const VERIFY_TOKEN_TTL_MS: i64 = 24 * 60 * 60 * 1000;
pub const RESET_TOKEN_TTL_MS: i64 = 60 * 60 * 1000;

/// Where mail goes and who it is from. The SMTP URL may hold a password: its `Debug` hides it.
#[derive(Clone)]
pub struct MailSettings {
    pub smtp_url: Option<String>,
    pub from: Mailbox,
}

impl std::fmt::Debug for MailSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MailSettings")
            .field("smtp_url", &self.smtp_url.as_ref().map(|_| "<set>"))
            .field("from", &self.from.to_string())
            .finish()
    }
}

impl Default for MailSettings {
    fn default() -> Self {
        MailSettings::new(None, None).unwrap_or_else(|_| unreachable!("the default From parses"))
    }
}

impl MailSettings {
    /// Checks both settings; an error names the setting (`smtp_url`, `mail_from`) and never
    /// repeats the URL.
    pub fn new(
        smtp_url: Option<String>,
        mail_from: Option<String>,
    ) -> Result<MailSettings, (&'static str, String)> {
        let from_text = mail_from.as_deref().unwrap_or(DEFAULT_MAIL_FROM);
        let from = Mailbox::from_str(from_text)
            .map_err(|e| ("mail_from", format!("{from_text:?} is not a mailbox: {e}")))?;
        if let Some(url) = &smtp_url {
            AsyncSmtpTransport::<Tokio1Executor>::from_url(url).map_err(|_| {
                ("smtp_url", "is not an smtp:// or smtps:// URL lettre accepts".to_owned())
            })?;
        }
        Ok(MailSettings { smtp_url, from })
    }
}

/// Where this instance's mail goes.
pub enum Mailer {
    /// The `mail_outbox` table.
    Outbox,
    /// An SMTP server; a connection per mail (account mail is rare).
    Smtp { transport: Box<AsyncSmtpTransport<Tokio1Executor>>, from: Mailbox },
}

impl Mailer {
    pub fn new(settings: &MailSettings) -> Result<Mailer, String> {
        match &settings.smtp_url {
            None => Ok(Mailer::Outbox),
            Some(url) => {
                let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                    .map_err(|_| "invalid setting smtp_url".to_owned())?
                    .build();
                Ok(Mailer::Smtp { transport: Box::new(transport), from: settings.from.clone() })
            }
        }
    }

    pub fn describe(&self) -> &'static str {
        match self {
            Mailer::Outbox => "outbox",
            Mailer::Smtp { .. } => "smtp",
        }
    }
}

/// What a mail is about (the outbox's `kind`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MailKind {
    Verify,
    EmailChange,
    Reset,
}

impl MailKind {
    pub fn as_str(self) -> &'static str {
        match self {
            MailKind::Verify => "verify",
            MailKind::EmailChange => "email_change",
            MailKind::Reset => "reset",
        }
    }
}

/// One mail.
pub struct Mail {
    pub to: String,
    pub kind: MailKind,
    pub subject: String,
    pub body: String,
    /// When the secret it carries dies (the outbox row with it).
    pub expires_ms: i64,
}

impl Mail {
    pub fn verification(to: String, token: &str, expires_ms: i64) -> Mail {
        Mail {
            to,
            kind: MailKind::Verify,
            subject: "Verify your email address".to_owned(),
            body: format!(
                "Your email verification token:\n\n{token}\n\nSend it as {{\"token\": \"...\"}} \
                 to POST /api/v10/auth/verify within 24 hours. If you did not add this address \
                 to an account, ignore this mail.\n"
            ),
            expires_ms,
        }
    }

    pub fn email_change(to: String, code: &str, expires_ms: i64) -> Mail {
        Mail {
            to,
            kind: MailKind::EmailChange,
            subject: "Your email change code".to_owned(),
            body: format!(
                "Your code to change your account's email address:\n\n{code}\n\nIt is valid for \
                 10 minutes. If you did not ask to change your address, ignore this mail and \
                 consider changing your password.\n"
            ),
            expires_ms,
        }
    }

    pub fn password_reset(to: String, token: &str, expires_ms: i64) -> Mail {
        Mail {
            to,
            kind: MailKind::Reset,
            subject: "Reset your password".to_owned(),
            body: format!(
                "Your password reset token:\n\n{token}\n\nSend it with a new password as \
                 {{\"token\": \"...\", \"password\": \"...\"}} to POST /api/v10/auth/reset \
                 within 1 hour. If you did not ask for this, ignore this mail: your password \
                 stays as it is.\n"
            ),
            expires_ms,
        }
    }
}

/// A mail that could not be sent (the cause never holds the mail's secret).
#[derive(Debug, thiserror::Error)]
#[error("mail not sent: {0}")]
pub struct MailError(String);

/// Sends `mail` by this instance's mailer.
pub async fn send(state: &AppState, mail: Mail) -> Result<(), MailError> {
    match &*state.mailer {
        Mailer::Outbox => {
            let row = NewOutboxMail {
                recipient: mail.to,
                kind: mail.kind.as_str().to_owned(),
                subject: mail.subject,
                body: mail.body,
                expires_ms: mail.expires_ms,
            };
            state
                .run(move |store| store.add_outbox_mail(row))
                .await
                .map_err(|e| MailError(format!("outbox: {e}")))
        }
        Mailer::Smtp { transport, from } => {
            let to = Mailbox::from_str(&mail.to)
                .map_err(|e| MailError(format!("recipient is not a mailbox: {e}")))?;
            let message = Message::builder()
                .from(from.clone())
                .to(to)
                .subject(mail.subject)
                .header(ContentType::TEXT_PLAIN)
                .body(mail.body)
                .map_err(|e| MailError(format!("building the message: {e}")))?;
            let recipient = mail.to;
            match transport.send(message).await {
                Ok(_) => Ok(()),
                Err(e) => {
                    // A permanent refusal (5xx: no such mailbox, say) marks the address as
                    // bounced on the account that still has it; a passing failure does not.
                    if e.is_permanent() {
                        let marked =
                            state.run(move |store| store.mark_email_bounced(&recipient)).await;
                        if let Err(e) = marked {
                            tracing::warn!(error = %e, "a bounced address was not recorded");
                        }
                    }
                    Err(MailError(format!("smtp: {e}")))
                }
            }
        }
    }
}

/// [`send`] on a route that exists to mail: a failure is a 503 (logged with its cause).
pub async fn send_or_unavailable(state: &AppState, mail: Mail) -> Result<(), ApiError> {
    send(state, mail).await.map_err(|e| ApiError::with_cause(ErrorKind::Unavailable, e))
}

/// Charges one mail to `user`'s mail bucket: `Err` with the 429 to answer when the account
/// had its share (`rate_limit_mail_per_account`). Always `Ok` with rate limits off.
pub async fn charge_mail(state: &AppState, user: UserId) -> Result<(), ApiError> {
    let Some(limiter) = &state.limiter else { return Ok(()) };
    let check = limiter.check_mail(&format!("id:{user}")).await;
    match &check.refusal {
        None => Ok(()),
        Some(refusal) => Err(ApiError::rate_limited(refusal, &check)),
    }
}

/// A fresh token: 32 random bytes, base64url.
pub fn new_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// A fresh 6-digit code, each digit uniform.
pub fn new_code() -> String {
    format!("{:06}", rand::thread_rng().gen_range(0..1_000_000))
}

/// How a token of `kind` is stored: SHA-256 of `kind:secret`, hex. A token names its user by
/// its row, so it is hashed without the user; the kind keeps one kind's token from being
/// presented as another's.
pub fn secret_hash(kind: SecretKind, secret: &str) -> String {
    hex::encode(Sha256::digest(format!("{}:{secret}", kind.as_str()).as_bytes()))
}

/// How `user`'s email-change code is stored: with the user in the hash, as 6 digits repeat.
pub fn code_hash(user: UserId, code: &str) -> String {
    hex::encode(Sha256::digest(
        format!("{}:{user}:{code}", SecretKind::EmailChangeCode.as_str()).as_bytes(),
    ))
}

/// How an `email_token` is stored: what `PATCH /users/@me` hands to
/// `astral_store::take_email_token` inside its transaction.
pub fn email_token_hash(token: &str) -> String {
    secret_hash(SecretKind::EmailChangeToken, token)
}

/// Mails a verification token to `user`'s address if it is unverified (after registration,
/// or after `PATCH /users/@me` committed a new address). Call it after the commit. Quiet:
/// no address, an already verified one, the account's mail limit or a failed send are logged
/// (never with the token), not answered.
pub async fn mail_verification_quietly(state: &AppState, user: UserId) {
    if charge_mail(state, user).await.is_err() {
        tracing::info!(%user, "verification mail not sent: the account's mail limit is reached");
        return;
    }
    let token = new_secret();
    let hash = secret_hash(SecretKind::EmailVerify, &token);
    let expires_ms = state.now_ms().saturating_add(VERIFY_TOKEN_TTL_MS);
    let issued =
        state.run(move |store| store.issue_email_verification(user, &hash, expires_ms)).await;
    let to = match issued {
        Ok(Ok(to)) => to,
        Ok(Err(refusal)) => {
            tracing::debug!(%user, ?refusal, "no verification mail");
            return;
        }
        Err(e) => {
            tracing::warn!(%user, error = %e, "verification token not issued");
            return;
        }
    };
    if let Err(e) = send(state, Mail::verification(to, &token, expires_ms)).await {
        tracing::warn!(%user, error = %e, "verification mail not sent");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_six_digits_and_hashes_differ_by_kind_and_user() {
        for _ in 0..100 {
            let code = new_code();
            assert_eq!(code.len(), 6);
            assert!(code.bytes().all(|b| b.is_ascii_digit()));
        }
        let a = secret_hash(SecretKind::EmailVerify, "x");
        assert_ne!(a, secret_hash(SecretKind::PasswordReset, "x"));
        assert_eq!(email_token_hash("x"), secret_hash(SecretKind::EmailChangeToken, "x"));
        assert_ne!(
            code_hash(UserId::from_i64(1), "123456"),
            code_hash(UserId::from_i64(2), "123456")
        );
    }

    #[test]
    fn settings_are_checked_and_the_url_is_never_shown() {
        let s = MailSettings::new(Some("smtp://user:hunter2@localhost:2525".into()), None).unwrap();
        assert!(!format!("{s:?}").contains("hunter2"));
        assert!(MailSettings::new(None, Some("not a mailbox".into())).is_err());
        let bad = MailSettings::new(Some("http://user:hunter2@x".into()), None).unwrap_err();
        assert_eq!(bad.0, "smtp_url");
        assert!(!bad.1.contains("hunter2"));
    }
}
