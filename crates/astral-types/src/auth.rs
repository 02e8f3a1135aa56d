//! Account creation and sessions: `/auth/register`, `/auth/login`, `/auth/logout`.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::openapi::schema::ObjectBuilder;
use utoipa::ToSchema;

use crate::form::{finish, FormReader, Invalid};
use crate::macros::optional_fields;
use crate::password::{self, Refusal, PASSWORD_LENGTH};
use crate::rules::{check_email, email_schema, UsernameRule};
use crate::user::GLOBAL_NAME_LENGTH;
use crate::{FormErrors, UserId};

optional_fields! {
    /// `POST /auth/register`.
    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
    pub struct RegisterRequest {
        #[schema(schema_with = UsernameRule::default_schema)]
        pub username: String,
        #[schema(schema_with = password_schema)]
        pub password: String,
        #[schema(schema_with = email_schema)]
        pub email: Option<String>,
        #[schema(schema_with = global_name_schema)]
        pub global_name: Option<String>,
    }
}

fn password_schema() -> ObjectBuilder {
    PASSWORD_LENGTH.schema().description(Some(
        "Refused when common or guessable, or equal to the username or email \
         (`PASSWORD_TOO_WEAK`).",
    ))
}

fn global_name_schema() -> ObjectBuilder {
    GLOBAL_NAME_LENGTH.schema().description(Some("Display name."))
}

impl RegisterRequest {
    /// Reads the body's fields. The checks run in [`RegistrationDraft::finish`], after the
    /// password's strength ([`RegistrationDraft::password_check`]), which costs milliseconds of
    /// CPU that the server spends on its password threads.
    pub fn read(body: &Value) -> Result<RegistrationDraft, FormErrors> {
        let mut form = FormReader::new(body)?;
        let username = form.required_string("username");
        let password = form.required_string("password");
        let email = form.optional_string("email");
        let global_name = form.optional_string("global_name");
        Ok(RegistrationDraft { errors: form.into_errors(), username, password, email, global_name })
    }
}

/// A registration read but not yet checked (see [`RegisterRequest::read`]).
#[derive(Debug)]
pub struct RegistrationDraft {
    errors: FormErrors,
    username: Result<String, Invalid>,
    password: Result<String, Invalid>,
    email: Result<Option<String>, Invalid>,
    global_name: Result<Option<String>, Invalid>,
}

impl RegistrationDraft {
    /// The password rule for the password as sent, against the username and email as sent
    /// (valid or not); `None` when no password was read.
    pub fn password_check(&self) -> Option<impl FnOnce() -> Option<Refusal> + Send + 'static> {
        let password = self.password.clone().ok()?;
        let username = self.username.clone().ok();
        let email = self.email.clone().ok().flatten();
        Some(move || {
            password::refusal(
                &password,
                password::Account { username: username.as_deref(), email: email.as_deref() },
            )
        })
    }

    /// Checks every field, with `refusal` the answer of [`RegistrationDraft::password_check`].
    pub fn finish(
        self,
        username_rule: &UsernameRule,
        refusal: Option<Refusal>,
    ) -> Result<RegisterRequest, FormErrors> {
        let RegistrationDraft { mut errors, username, password, email, global_name } = self;
        let username = username.and_then(|v| username_rule.check(&mut errors, v));
        let password = match (password, refusal) {
            (Ok(_), Some(refusal)) => Err(refusal.record(&mut errors)),
            (password, _) => password,
        };
        let email = email.and_then(|v| v.map(|v| check_email(&mut errors, v)).transpose());
        let global_name = global_name.and_then(|v| {
            v.map(|v| GLOBAL_NAME_LENGTH.check(&mut errors, "global_name", v)).transpose()
        });
        finish(errors, || {
            Ok(RegisterRequest {
                username: username?,
                password: password?,
                email: email?,
                global_name: global_name?,
            })
        })
    }
}

optional_fields! {
    /// `POST /auth/login`.
    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
    pub struct LoginRequest {
        /// Username or email.
        pub login: String,
        pub password: String,
        // issue 16 D
        /// `true` restores an account its owner disabled or scheduled for deletion (Discord's
        /// answer to 20013 / 20011); it never lifts an administrator's suspension.
        pub undelete: Option<bool>,
    }
}

impl LoginRequest {
    /// Both fields present; whether they match an account is the server's question.
    pub fn read(body: &Value) -> Result<LoginRequest, FormErrors> {
        let mut form = FormReader::new(body)?;
        let login = form.required_string("login");
        let password = form.required_string("password");
        // issue 16 D
        let undelete = match form.value("undelete") {
            None => Ok(None),
            // The contract's `undelete` is a boolean, not nullable: null is refused like any
            // other wrong type.
            Some(Value::Null) => {
                Err(form.refuse("undelete", "BASE_TYPE_REQUIRED", "This field cannot be null"))
            }
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(_) => {
                Err(form.refuse("undelete", "BOOLEAN_TYPE_CONVERT", "Value must be a boolean."))
            }
        };
        form.finish(|| Ok(LoginRequest { login: login?, password: password?, undelete: undelete? }))
    }
}

/// A freshly issued token. It is shown once; Astral keeps only a hash of its secret part.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct TokenResponse {
    pub token: String,
    pub user_id: UserId,
}

// issue 16 C-l: login with two-factor authentication (docs/accounts.md#logging-in-with-two-factor-authentication).

optional_fields! {
    /// A login's answer (also `POST /auth/reset`'s and `POST /auth/verify`'s), in Discord's
    /// shape: `token` when the step is complete; with two-factor authentication on, no `token`
    /// but `mfa: true` and a `ticket` for `POST /auth/mfa/{authenticator_type}`. One schema for
    /// both, so a generated client has one type to read.
    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
    pub struct LoginResponse {
        pub user_id: UserId,
        /// The session token, shown once; absent while a second factor is needed.
        pub token: Option<String>,
        /// `true`: a second factor is needed to finish with `ticket`.
        pub mfa: Option<bool>,
        /// Single use, valid 5 minutes.
        pub ticket: Option<String>,
        /// Whether a TOTP code is accepted.
        pub totp: Option<bool>,
        /// Always `false`: this server has no SMS.
        pub sms: Option<bool>,
        /// Whether a backup code is accepted.
        pub backup: Option<bool>,
        /// Always `null`: this server has no WebAuthn.
        pub webauthn: Option<Option<String>>,
    }
}

impl LoginResponse {
    /// A completed step: the session token.
    pub fn token(user_id: UserId, token: String) -> LoginResponse {
        LoginResponse { token: Some(token), ..LoginResponse::bare(user_id) }
    }

    /// A step that issues no token (`POST /auth/verify` with two-factor authentication on).
    pub fn bare(user_id: UserId) -> LoginResponse {
        LoginResponse {
            user_id,
            token: None,
            mfa: None,
            ticket: None,
            totp: None,
            sms: None,
            backup: None,
            webauthn: None,
        }
    }

    /// A second factor is needed: the ticket, and the methods this server takes (TOTP and
    /// backup codes; no SMS, no WebAuthn).
    pub fn mfa_required(user_id: UserId, ticket: String) -> LoginResponse {
        LoginResponse {
            mfa: Some(true),
            ticket: Some(ticket),
            totp: Some(true),
            sms: Some(false),
            backup: Some(true),
            webauthn: Some(None),
            ..LoginResponse::bare(user_id)
        }
    }
}

/// `POST /auth/mfa/{authenticator_type}`: the login's ticket and a code.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct VerifyMfaLoginRequest {
    #[schema(schema_with = mfa_ticket_schema)]
    pub ticket: String,
    #[schema(schema_with = mfa_code_schema)]
    pub code: String,
}

/// A ticket or code as a request carries it (Astral's are far shorter).
pub fn mfa_ticket_schema() -> ObjectBuilder {
    crate::email::SECRET_LENGTH.schema().description(Some("The `ticket` of the login's answer."))
}

/// A second-factor code as a request carries it.
pub fn mfa_code_schema() -> ObjectBuilder {
    crate::email::SECRET_LENGTH.schema().description(Some(
        "A TOTP code (6 digits) or a backup code (8 characters; `backup` takes only these).",
    ))
}

/// Reads a required ticket or code under `name`, bounded by `SECRET_LENGTH`.
pub(crate) fn mfa_secret(form: &mut FormReader<'_>, name: &str) -> Result<String, Invalid> {
    let value = form.required_string(name)?;
    crate::email::SECRET_LENGTH.check(form.errors(), name, value)
}

/// Reads an optional ticket or code under `name`, bounded by `SECRET_LENGTH`.
pub(crate) fn optional_mfa_secret(
    form: &mut FormReader<'_>,
    name: &str,
) -> Result<Option<String>, Invalid> {
    match form.optional_string(name)? {
        Some(value) => crate::email::SECRET_LENGTH.check(form.errors(), name, value).map(Some),
        None => Ok(None),
    }
}

impl VerifyMfaLoginRequest {
    pub fn read(body: &Value) -> Result<VerifyMfaLoginRequest, FormErrors> {
        let mut form = FormReader::new(body)?;
        let ticket = mfa_secret(&mut form, "ticket");
        let code = mfa_secret(&mut form, "code");
        form.finish(|| Ok(VerifyMfaLoginRequest { ticket: ticket?, code: code? }))
    }
}
