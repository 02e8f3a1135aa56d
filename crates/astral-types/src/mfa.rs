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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
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
