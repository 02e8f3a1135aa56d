//! Two-factor authentication on the wire (issue 16 C, docs/accounts.md#two-factor-authentication):
//! the challenge an MFA-required answer (60003) carries, as discord-userdoccers describes it.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The second-factor methods this server offers: TOTP codes (and backup codes in their place).
pub const TOTP: &str = "totp";
/// A backup code, as a method of its own.
pub const BACKUP: &str = "backup";

/// What an MFA-required answer (401, 60003) asks for: a ticket for `POST /mfa/finish` and the
/// methods that can finish it.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"ticket": "WzIzNDU2LCJtZmEiXQ.eyJ0IjoxfQ", "methods": [{"type": "totp", "backup_codes_allowed": true}, {"type": "backup"}]}))]
pub struct MfaChallenge {
    /// Single use, valid 5 minutes.
    pub ticket: String,
    pub methods: Vec<MfaMethod>,
}

/// One way to finish an MFA challenge.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"type": "totp", "backup_codes_allowed": true}))]
pub struct MfaMethod {
    /// `totp` or `backup` (this server has no SMS or WebAuthn).
    #[serde(rename = "type")]
    #[schema(example = "totp")]
    pub kind: String,
    /// For `totp`: whether a backup code is accepted in its place.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backup_codes_allowed: Option<bool>,
}

/// `POST /mfa/finish`: a ticket from an MFA-required answer and a code for it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"ticket": "WzIzNDU2LCJtZmEiXQ.eyJ0IjoxfQ", "mfa_type": "totp", "data": "123456"}))]
pub struct FinishMfaRequest {
    /// The `mfa.ticket` of the 60003 answer.
    #[schema(schema_with = secret_schema)]
    pub ticket: String,
    /// `totp` (a TOTP code, or a backup code in its place) or `backup`. `sms`, `webauthn` and
    /// `password` are 50035 `MFA_METHOD_NOT_SUPPORTED`: this server offers none of them.
    #[schema(schema_with = mfa_type_schema)]
    pub mfa_type: String,
    /// The code.
    #[schema(schema_with = secret_schema)]
    pub data: String,
}

/// `POST /mfa/finish`'s answer: send `token` as `X-Discord-MFA-Authorization` with the request
/// that was refused; it is good for 5 minutes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"token": "mfa.V2h5IGFyZSB5b3UgcmVhZGluZyB0aGlzPw"}))]
pub struct FinishMfaResponse {
    pub token: String,
}

/// The methods Discord names that this server does not offer.
const UNSUPPORTED_METHODS: [&str; 3] = ["sms", "webauthn", "password"];

fn secret_schema() -> utoipa::openapi::schema::ObjectBuilder {
    crate::email::SECRET_LENGTH.schema()
}

fn mfa_type_schema() -> utoipa::openapi::schema::ObjectBuilder {
    utoipa::openapi::schema::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::String)
        .enum_values(Some([TOTP, BACKUP]))
}

impl FinishMfaRequest {
    pub fn read(body: &serde_json::Value) -> Result<FinishMfaRequest, crate::FormErrors> {
        let length = crate::email::SECRET_LENGTH;
        let mut form = crate::form::FormReader::new(body)?;
        let ticket =
            form.required_string("ticket").and_then(|t| length.check(form.errors(), "ticket", t));
        let mfa_type = match form.required_string("mfa_type") {
            Ok(kind) if kind == TOTP || kind == BACKUP => Ok(kind),
            Ok(kind) if UNSUPPORTED_METHODS.contains(&kind.as_str()) => Err(form.refuse(
                "mfa_type",
                crate::user::MFA_METHOD_NOT_SUPPORTED,
                "This server does not support SMS, WebAuthn or password two-factor authentication.",
            )),
            Ok(_) => Err(form.refuse(
                "mfa_type",
                "BASE_TYPE_CHOICES",
                "Value must be one of {'totp', 'backup'}.",
            )),
            Err(invalid) => Err(invalid),
        };
        let data =
            form.required_string("data").and_then(|d| length.check(form.errors(), "data", d));
        form.finish(|| Ok(FinishMfaRequest { ticket: ticket?, mfa_type: mfa_type?, data: data? }))
    }
}

/// Without the ticket: a refusal is logged with its kind (`ApiError`'s `Display`), and the
/// ticket is a secret (stored hashed) like the tokens.
impl std::fmt::Debug for MfaChallenge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MfaChallenge")
            .field("ticket", &"<redacted>")
            .field("methods", &self.methods)
            .finish()
    }
}

impl MfaChallenge {
    /// The challenge for an account with TOTP on: a TOTP code, or a backup code.
    pub fn totp(ticket: String) -> MfaChallenge {
        MfaChallenge {
            ticket,
            methods: vec![
                MfaMethod { kind: TOTP.to_owned(), backup_codes_allowed: Some(true) },
                MfaMethod { kind: BACKUP.to_owned(), backup_codes_allowed: None },
            ],
        }
    }
}

// issue 16 C-e: enabling and disabling TOTP, backup codes.

use serde_json::Value;
use utoipa::openapi::schema::ObjectBuilder;

use crate::form::FormReader;
use crate::macros::optional_fields;
use crate::{FormErrors, UserId};

fn current_password_schema() -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::String)
        .description(Some("The account's current password."))
}

fn totp_secret_schema() -> ObjectBuilder {
    ObjectBuilder::new().schema_type(utoipa::openapi::schema::Type::String).description(Some(
        "The authenticator's secret the client made, in base32 (16 to 64 characters; spaces, \
         lower case and `=` padding are accepted). Missing or invalid: 400 / 60005.",
    ))
}

fn totp_code_schema() -> ObjectBuilder {
    ObjectBuilder::new().schema_type(utoipa::openapi::schema::Type::String).description(Some(
        "The 6-digit code the authenticator shows for `secret` now. Missing or wrong: 400 / 60008.",
    ))
}

fn second_factor_schema() -> ObjectBuilder {
    ObjectBuilder::new().schema_type(utoipa::openapi::schema::Type::String).description(Some(
        "A 6-digit TOTP code or an unused backup code (Fluxer's inline proof). Without it the \
         `X-Discord-MFA-Authorization` header is taken; without both: 401 / 60003.",
    ))
}

fn ignored_schema() -> ObjectBuilder {
    ObjectBuilder::new().schema_type(utoipa::openapi::schema::Type::String).description(Some(
        "Discord's mailed verification key and nonce: not used here (Astral asks the password \
         instead); sent without `password`, the answer is 50035 `BASE_TYPE_REQUIRED` on \
         `password`.",
    ))
}

optional_fields! {
    /// `POST /users/@me/mfa/totp/enable` (Discord's): the current password, the secret the
    /// client made and a code of it.
    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
    pub struct EnableTotpRequest {
        /// Missing: 50035 `BASE_TYPE_REQUIRED`; wrong: 50035 `PASSWORD_DOES_NOT_MATCH`.
        #[schema(schema_with = current_password_schema)]
        pub password: Option<String>,
        #[schema(schema_with = totp_secret_schema)]
        pub secret: Option<String>,
        #[schema(schema_with = totp_code_schema)]
        pub code: Option<String>,
    }
}

impl EnableTotpRequest {
    pub fn read(body: &Value) -> Result<EnableTotpRequest, FormErrors> {
        let mut form = FormReader::new(body)?;
        let password = form.optional_string("password");
        let secret = form.optional_string("secret");
        let code = form.optional_string("code");
        form.finish(|| Ok(EnableTotpRequest { password: password?, secret: secret?, code: code? }))
    }
}

optional_fields! {
    /// `POST /users/@me/mfa/totp/disable`: the body is optional (Discord's clients send none
    /// and prove the second factor with `X-Discord-MFA-Authorization`).
    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
    pub struct DisableTotpRequest {
        #[schema(schema_with = second_factor_schema)]
        pub code: Option<String>,
    }
}

impl DisableTotpRequest {
    /// `Value::Null` is an absent body.
    pub fn read(body: &Value) -> Result<DisableTotpRequest, FormErrors> {
        if body.is_null() {
            return Ok(DisableTotpRequest { code: None });
        }
        let mut form = FormReader::new(body)?;
        let code = form.optional_string("code");
        form.finish(|| Ok(DisableTotpRequest { code: code? }))
    }
}

optional_fields! {
    /// `POST /users/@me/mfa/codes-verification` (Discord's route). Discord proves the request
    /// with a `key` mailed to the account and a `nonce`; Astral takes the current `password`.
    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
    pub struct BackupCodesRequest {
        /// Missing: 50035 `BASE_TYPE_REQUIRED`; wrong: 50035 `PASSWORD_DOES_NOT_MATCH`.
        #[schema(schema_with = current_password_schema)]
        pub password: Option<String>,
        /// `true`: replace all ten codes with new ones (the old ones stop working).
        pub regenerate: Option<bool>,
        #[schema(schema_with = ignored_schema)]
        pub key: Option<String>,
        #[schema(schema_with = ignored_schema)]
        pub nonce: Option<String>,
    }
}

impl BackupCodesRequest {
    pub fn read(body: &Value) -> Result<BackupCodesRequest, FormErrors> {
        let mut form = FormReader::new(body)?;
        let password = form.optional_string("password");
        let regenerate = form.optional_bool("regenerate");
        let key = form.optional_string("key");
        let nonce = form.optional_string("nonce");
        form.finish(|| {
            Ok(BackupCodesRequest {
                password: password?,
                regenerate: regenerate?,
                key: key?,
                nonce: nonce?,
            })
        })
    }
}

/// One backup code (Discord's object): 8 characters of `[a-z0-9]`, good once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"user_id": "80351110224678912", "code": "k3v9x2ma", "consumed": false}))]
pub struct BackupCode {
    pub user_id: UserId,
    pub code: String,
    /// Whether it was used.
    pub consumed: bool,
}

/// An account's ten backup codes, in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct BackupCodesResponse {
    pub backup_codes: Vec<BackupCode>,
}

/// `POST /users/@me/mfa/totp/enable`'s answer (Discord's): the one token still valid (every
/// other was revoked) and the ten new backup codes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct EnableTotpResponse {
    pub token: String,
    pub backup_codes: Vec<BackupCode>,
}

/// `POST /users/@me/mfa/totp/disable`'s answer (Discord's): the one token still valid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct MfaTokenResponse {
    pub token: String,
}

#[cfg(test)]
mod c_e_tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn mfa_requests_read_optional_strings() {
        let read = EnableTotpRequest::read(&json!({"password": "p", "secret": "S"})).unwrap();
        assert_eq!((read.secret.as_deref(), read.code), (Some("S"), None));
        assert!(EnableTotpRequest::read(&json!({"code": 123456})).unwrap_err().has_field("code"));
        assert_eq!(DisableTotpRequest::read(&Value::Null).unwrap().code, None);
        assert!(DisableTotpRequest::read(&json!([])).is_err());
        let codes = BackupCodesRequest::read(&json!({"regenerate": true})).unwrap();
        assert_eq!((codes.regenerate, codes.password), (Some(true), None));
        assert!(BackupCodesRequest::read(&json!({"regenerate": "yes"}))
            .unwrap_err()
            .has_field("regenerate"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_challenge_never_shows_its_ticket_in_debug_output() {
        let kind = crate::ErrorKind::MfaRequired(MfaChallenge::totp("secret-ticket".into()));
        let shown = format!("{kind:?}");
        assert!(!shown.contains("secret-ticket"), "{shown}");
        assert!(shown.contains("redacted") && shown.contains("totp"), "{shown}");
    }
}
