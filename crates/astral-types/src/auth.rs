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
