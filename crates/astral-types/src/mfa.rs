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
