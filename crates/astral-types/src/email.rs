//! Email verification, email change and forgotten passwords (issue 16 B): `POST /auth/forgot`,
//! `POST /auth/reset`, `POST /auth/verify`, `POST /users/@me/email/verify-code`. Their answers
//! are [`crate::auth::LoginResponse`] (reset, verify), [`ForgotPasswordResponse`] and
//! [`EmailTokenResponse`].

use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::openapi::schema::ObjectBuilder;
use utoipa::ToSchema;

use crate::form::{FormReader, Invalid, Length, NO_NUL_PATTERN};
use crate::macros::optional_fields;
use crate::password::{length_refusal, PASSWORD_LENGTH};
use crate::FormErrors;

/// A mailed token or code as a request carries it. Astral's are far shorter; anything longer
/// names nothing and is refused before it is hashed.
pub const SECRET_LENGTH: Length = Length::new(1, 128);

/// The field error code for a token or code that is unknown, used, expired or wrong.
pub const TOKEN_INVALID: &str = "TOKEN_INVALID";
/// Its message.
pub const TOKEN_INVALID_MESSAGE: &str = "Invalid or expired token.";
/// The field error code (on `email`) of `PUT /users/@me/email` without a verified address.
pub const EMAIL_NOT_VERIFIED: &str = "EMAIL_NOT_VERIFIED";
/// The field error code (on `email`) of `POST /auth/verify/resend` when already verified.
pub const EMAIL_ALREADY_VERIFIED: &str = "EMAIL_ALREADY_VERIFIED";

fn token_schema() -> ObjectBuilder {
    SECRET_LENGTH.schema()
}

fn reset_token_schema() -> ObjectBuilder {
    token_schema().description(Some("The reset token from the mail."))
}

fn verify_token_schema() -> ObjectBuilder {
    token_schema().description(Some("The verification token from the mail."))
}

fn code_schema() -> ObjectBuilder {
    token_schema().description(Some("The 6-digit code mailed to the current address."))
}

fn new_password_schema() -> ObjectBuilder {
    PASSWORD_LENGTH.schema().description(Some(
        "The new password. Refused when common or guessable, or equal to the username or email \
         (`PASSWORD_TOO_WEAK`).",
    ))
}

/// Reads a required mailed secret under `name`, bounded by [`SECRET_LENGTH`].
fn secret(form: &mut FormReader<'_>, name: &str) -> Result<String, Invalid> {
    let value = form.required_string(name)?;
    SECRET_LENGTH.check(form.errors(), name, value)
}

/// `POST /auth/forgot`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ForgotPasswordRequest {
    #[schema(schema_with = forgot_login_schema)]
    pub login: String,
}

fn forgot_login_schema() -> ObjectBuilder {
    // The form reader refuses NUL in every string; the schema says so (found by api-fuzz).
    ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::String)
        .pattern(Some(NO_NUL_PATTERN))
        .description(Some(
            "Username or email, no NUL (the form reader refuses NUL in every string: \
             `STRING_TYPE_INVALID_CHARACTERS`).",
        ))
}

impl ForgotPasswordRequest {
    pub fn read(body: &Value) -> Result<ForgotPasswordRequest, FormErrors> {
        let mut form = FormReader::new(body)?;
        let login = form.required_string("login");
        form.finish(|| Ok(ForgotPasswordRequest { login: login? }))
    }
}

/// `POST /auth/forgot`'s answer (Discord's; the same whether or not a mail was sent).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ForgotPasswordResponse {
    // Always a mailed reset token: Discord's other method, `one_time_login`, is not offered.
    #[schema(schema_with = method_schema)]
    pub method: String,
}

/// `ForgotPasswordResponse::method`'s one value.
pub const PASSWORD_RESET: &str = "password_reset";

fn method_schema() -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::String)
        .enum_values(Some([PASSWORD_RESET]))
        .description(Some(
            "How the account is recovered: always by a mailed reset token (Discord's other \
             method, `one_time_login`, is not offered).",
        ))
}

optional_fields! {
    /// `POST /auth/reset`. The password rule runs in the server (on its password pool) after the
    /// token checked out; the reader checks only the length.
    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
    pub struct ResetPasswordRequest {
        #[schema(schema_with = reset_token_schema)]
        pub token: String,
        #[schema(schema_with = new_password_schema)]
        pub password: String,
        // issue 16 C-l: with two-factor authentication on, the second step.
        /// The `ticket` the first step answered, with `code`.
        #[schema(schema_with = crate::auth::mfa_ticket_schema)]
        pub ticket: Option<String>,
        /// With `ticket`: a TOTP code or a backup code.
        #[schema(schema_with = crate::auth::mfa_code_schema)]
        pub code: Option<String>,
    }
}

impl ResetPasswordRequest {
    pub fn read(body: &Value) -> Result<ResetPasswordRequest, FormErrors> {
        let mut form = FormReader::new(body)?;
        let token = secret(&mut form, "token");
        let password = form.required_string("password").and_then(|p| match length_refusal(&p) {
            None => Ok(p),
            Some(refusal) => Err(refusal.record(form.errors())),
        });
        // issue 16 C-l
        let ticket = crate::auth::optional_mfa_secret(&mut form, "ticket");
        let code = crate::auth::optional_mfa_secret(&mut form, "code");
        form.finish(|| {
            Ok(ResetPasswordRequest {
                token: token?,
                password: password?,
                ticket: ticket?,
                code: code?,
            })
        })
    }
}

/// `POST /auth/verify`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct VerifyEmailRequest {
    #[schema(schema_with = verify_token_schema)]
    pub token: String,
}

impl VerifyEmailRequest {
    pub fn read(body: &Value) -> Result<VerifyEmailRequest, FormErrors> {
        let mut form = FormReader::new(body)?;
        let token = secret(&mut form, "token");
        form.finish(|| Ok(VerifyEmailRequest { token: token? }))
    }
}

/// `POST /users/@me/email/verify-code`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct VerifyEmailCodeRequest {
    #[schema(schema_with = code_schema)]
    pub code: String,
}

impl VerifyEmailCodeRequest {
    pub fn read(body: &Value) -> Result<VerifyEmailCodeRequest, FormErrors> {
        let mut form = FormReader::new(body)?;
        let code = secret(&mut form, "code");
        form.finish(|| Ok(VerifyEmailCodeRequest { code: code? }))
    }
}

/// An `email_token` for `PATCH /users/@me` (valid 30 minutes, single use).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct EmailTokenResponse {
    pub token: String,
}
