//! Two-factor authentication (issue 16 C, docs/accounts.md#two-factor-authentication):
//! finishing an MFA-required answer's ticket (`/mfa/finish`), turning TOTP on and off and the
//! backup codes (`/users/@me/mfa/*`). People only.

pub mod disable_totp;
pub mod enable_totp;
pub mod finish_mfa;
pub mod get_backup_codes;

use astral_store::MfaRefusal;
use astral_types::mfa::BackupCode;
use astral_types::UserId;

use crate::error::{ApiError, ErrorKind};
use crate::mfa;

/// The wire form of opened backup codes (Discord's objects), in position order.
pub(crate) fn wire_codes(user: UserId, codes: Vec<mfa::BackupCode>) -> Vec<BackupCode> {
    codes
        .into_iter()
        .map(|c| BackupCode { user_id: user, code: c.code, consumed: c.consumed })
        .collect()
}

/// New backup codes as the wire carries them (all unused).
pub(crate) fn fresh_codes(user: UserId, codes: &[String]) -> Vec<BackupCode> {
    codes
        .iter()
        .map(|code| BackupCode { user_id: user, code: code.clone(), consumed: false })
        .collect()
}

/// A two-factor change the store refused.
pub(crate) fn refused(refusal: MfaRefusal) -> ApiError {
    match refusal {
        MfaRefusal::AlreadyEnabled => ApiError::new(ErrorKind::MfaAlreadyEnabled),
        MfaRefusal::NotEnabled => ApiError::new(ErrorKind::MfaNotEnabled),
        // Gone since its token was looked up: no longer authenticated.
        MfaRefusal::UnknownUser => ApiError::unauthorized(),
    }
}
