//! Two-factor authentication (issue 16 C, docs/accounts.md#two-factor-authentication): TOTP
//! codes (RFC 6238 through `totp-rs`: SHA-1, 6 digits, 30-second steps, one step of skew either
//! way), backup codes, and the checks every route that takes a code shares.
//!
//! A TOTP code is good once: the store records the step it was accepted for and accepts only
//! later steps. A backup code is good once: it is marked used. Wrong codes are charged to the
//! account's failed-login bucket, the one wrong passwords fill (`crate::reauth`).

use astral_store::{BackupCodeRecord, BACKUP_CODE_COUNT};
use astral_types::{ErrorKind, UserId};
use rand::Rng;
use subtle::ConstantTimeEq;
use totp_rs::{Builder, Secret, Totp};

use crate::crypto::MfaKey;
use crate::error::ApiError;
use crate::state::AppState;

/// Seconds per TOTP step (RFC 6238's default, what every authenticator app uses).
pub const TOTP_STEP_SECS: u64 = 30;
/// Digits of a TOTP code.
pub const TOTP_DIGITS: usize = 6;
/// Characters of a backup code (`[a-z0-9]`; Discord's are 8 too).
pub const BACKUP_CODE_LEN: usize = 8;
/// Base32 characters of a TOTP secret: 16 (80 bits, what Discord's clients make) to 64.
pub const SECRET_MIN_CHARS: usize = 16;
pub const SECRET_MAX_CHARS: usize = 64;

/// The request-level field code when no `mfa_key` is configured.
pub const MFA_NOT_CONFIGURED: &str = "MFA_NOT_CONFIGURED";

/// The associated data a user's TOTP secret is sealed with.
pub fn secret_context(user: UserId) -> String {
    format!("totp:{user}")
}

/// The associated data a user's backup code is sealed with (its position included, so codes
/// cannot be swapped between slots).
pub fn backup_code_context(user: UserId, position: i32) -> String {
    format!("backup:{user}:{position}")
}

/// The configured key, or the 400 that says two-factor authentication is not set up here.
pub fn key(state: &AppState) -> Result<&MfaKey, ApiError> {
    state.mfa_key.as_ref().ok_or_else(|| {
        // Request-level (`errors._errors`): no field of the request is at fault.
        let mut errors = astral_types::FormErrors::new();
        errors.add(
            &[],
            MFA_NOT_CONFIGURED,
            "Two-factor authentication is not configured on this server (no mfa_key).",
        );
        ApiError::form(errors)
    })
}

/// At start-up: refuses to serve when accounts have two-factor authentication on and the
/// configured key is missing or is not the one their secrets were sealed with (every instance
/// must share one key), rather than failing each of their logins later.
pub fn check_key(store: &astral_store::Store, key: Option<&MfaKey>) -> Result<(), String> {
    let (count, sample) =
        store.mfa_key_probe().map_err(|e| format!("cannot read the two-factor accounts: {e}"))?;
    let Some((user, sealed)) = sample else { return Ok(()) };
    let Some(key) = key else {
        return Err(format!(
            "ASTRAL_MFA_KEY (mfa_key) is required: {count} account(s) have two-factor authentication on"
        ));
    };
    match key.open(&secret_context(user), &sealed) {
        Some(_) => Ok(()),
        None => Err("ASTRAL_MFA_KEY (mfa_key) does not open the stored two-factor secrets: \
                     it is not the key they were sealed with"
            .to_owned()),
    }
}

/// A base32 TOTP secret as a person types it (spaces, lower case and `=` padding allowed),
/// decoded; `None` unless it is 16 to 64 base32 characters.
pub fn read_secret(text: &str) -> Option<Vec<u8>> {
    let normalized: String = text
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| c.to_ascii_uppercase())
        .collect::<String>()
        .trim_end_matches('=')
        .to_owned();
    if !(SECRET_MIN_CHARS..=SECRET_MAX_CHARS).contains(&normalized.len()) {
        return None;
    }
    Secret::try_from_base32(&normalized).ok().map(|secret| secret.as_ref().to_vec())
}

fn totp(secret: &[u8]) -> Totp {
    // `build` refuses secrets under 128 bits; Discord's clients make 80-bit ones, which RFC
    // 4226 allows (its minimum is 128 bits "recommended", 80 bits in the HOTP of old).
    Builder::new()
        .with_secret(secret.to_vec())
        .with_digits(TOTP_DIGITS as u8)
        .with_skew(1)
        .with_step_duration(TOTP_STEP_SECS)
        .build_noncompliant()
}

/// The step a 6-digit `code` is right for at `now_secs` (one step of skew either way), if any.
pub fn matching_step(secret: &[u8], code: &str, now_secs: u64) -> Option<i64> {
    let code = code.trim();
    if code.len() != TOTP_DIGITS || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    totp(secret).check(code, now_secs).and_then(|step| i64::try_from(step).ok())
}

/// The code of `secret` at `now_secs` (tests compute codes with it, as an authenticator does).
pub fn code_at(secret: &[u8], now_secs: u64) -> String {
    totp(secret).generate(now_secs).to_string()
}

/// Ten new backup codes, 8 characters of `[a-z0-9]` each.
pub fn new_backup_codes() -> Vec<String> {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    let mut rng = rand::rngs::OsRng;
    (0..BACKUP_CODE_COUNT)
        .map(|_| {
            (0..BACKUP_CODE_LEN)
                .map(|_| char::from(ALPHABET[rng.gen_range(0..ALPHABET.len())]))
                .collect()
        })
        .collect()
}

/// A backup code as a person types it (`abcd-efgh`, any case), or `None` if it cannot be one.
fn read_backup_code(code: &str) -> Option<String> {
    let code: String = code.chars().filter(|c| *c != '-' && !c.is_whitespace()).collect::<String>();
    let code = code.to_ascii_lowercase();
    (code.len() == BACKUP_CODE_LEN && code.bytes().all(|b| b.is_ascii_alphanumeric()))
        .then_some(code)
}

/// Seals a new set of backup codes for `user`, in position order.
pub fn seal_backup_codes(key: &MfaKey, user: UserId, codes: &[String]) -> Vec<String> {
    codes
        .iter()
        .enumerate()
        .map(|(position, code)| {
            key.seal(&backup_code_context(user, position as i32), code.as_bytes())
        })
        .collect()
}

/// An opened backup code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupCode {
    pub position: i32,
    pub code: String,
    pub consumed: bool,
}

/// Opens `user`'s stored backup codes; a code that does not open (another key) is an error.
pub fn open_backup_codes(
    key: &MfaKey,
    user: UserId,
    stored: Vec<BackupCodeRecord>,
) -> Result<Vec<BackupCode>, ApiError> {
    stored
        .into_iter()
        .map(|record| {
            let plain = key
                .open(&backup_code_context(user, record.position), &record.code)
                .and_then(|bytes| String::from_utf8(bytes).ok())
                .ok_or_else(|| ApiError::internal("a backup code does not open with mfa_key"))?;
            Ok(BackupCode { position: record.position, code: plain, consumed: record.consumed })
        })
        .collect()
}

/// Which kind of code proved the second factor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Proof {
    Totp,
    Backup,
}

/// Which codes a check takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Accepts {
    /// A TOTP code, or a backup code in its place (Discord's `totp` method).
    TotpOrBackup,
    /// A backup code only (Discord's `backup` method).
    Backup,
}

/// Checks `code` as a second factor of `user` and uses it up: a TOTP code for a step later
/// than any accepted before, or an unused backup code. `Ok(None)`: wrong (the caller answers
/// 60008); `Err`: the account has no MFA (60002), or the key/database failed.
pub async fn use_code(
    state: &AppState,
    user: UserId,
    code: &str,
    accepts: Accepts,
) -> Result<Option<Proof>, ApiError> {
    let key = key(state)?.clone();
    if accepts == Accepts::TotpOrBackup && code.trim().len() == TOTP_DIGITS {
        let Some(record) = state.run(move |store| store.mfa(user)).await? else {
            return Err(ApiError::new(ErrorKind::MfaNotEnabled));
        };
        let secret = key
            .open(&secret_context(user), &record.totp_secret)
            .ok_or_else(|| ApiError::internal("a TOTP secret does not open with mfa_key"))?;
        let now_secs = u64::try_from(state.now_ms() / 1000).unwrap_or(0);
        let Some(step) = matching_step(&secret, code, now_secs) else { return Ok(None) };
        let accepted = state.run(move |store| store.accept_totp_step(user, step)).await?;
        return Ok(accepted.then_some(Proof::Totp));
    }
    let Some(code) = read_backup_code(code) else { return Ok(None) };
    let stored = state.run(move |store| store.backup_codes(user)).await?;
    if stored.is_empty() {
        return Err(ApiError::new(ErrorKind::MfaNotEnabled));
    }
    // Every code is opened and compared in constant time, so the time taken tells nothing of
    // which (if any) matched.
    let mut found = None;
    for backup in open_backup_codes(&key, user, stored)? {
        if bool::from(backup.code.as_bytes().ct_eq(code.as_bytes())) && !backup.consumed {
            found = Some(backup.position);
        }
    }
    let Some(position) = found else { return Ok(None) };
    let used = state.run(move |store| store.consume_backup_code(user, position)).await?;
    Ok(used.then_some(Proof::Backup))
}

#[cfg(test)]
mod tests {
    use super::*;

    // RFC 6238 appendix B's SHA-1 seed, "12345678901234567890", as base32.
    const RFC_SECRET: &str = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";

    #[test]
    fn codes_follow_rfc_6238() {
        let secret = read_secret(RFC_SECRET).unwrap();
        // Appendix B: T = 59 s → 94287082 (8 digits); its last 6 digits are the 6-digit code.
        assert_eq!(code_at(&secret, 59), "287082");
        assert_eq!(code_at(&secret, 1_111_111_109), "081804");
        assert_eq!(matching_step(&secret, "287082", 59), Some(1));
        // One step of skew either way, no more.
        assert_eq!(matching_step(&secret, "287082", 59 + 30), Some(1));
        assert_eq!(matching_step(&secret, "287082", 59 + 60), None);
        assert_eq!(matching_step(&secret, "28708", 59), None);
        assert_eq!(matching_step(&secret, "28708a", 59), None);
    }

    #[test]
    fn secrets_are_16_to_64_base32_characters_as_typed() {
        assert!(read_secret("jbsw y3dp ehpk 3pxp").is_some(), "spaces and lower case");
        assert!(read_secret("JBSWY3DPEHPK3PX").is_none(), "15 characters");
        assert!(read_secret(&"A".repeat(65)).is_none());
        assert!(read_secret("JBSWY3DPEHPK3PX1").is_none(), "1 is not base32");
    }

    #[test]
    fn backup_codes_are_ten_of_eight_and_read_as_typed() {
        let codes = new_backup_codes();
        assert_eq!(codes.len(), 10);
        assert!(codes.iter().all(|c| read_backup_code(c).as_deref() == Some(c.as_str())));
        assert_eq!(read_backup_code("ABCD-1234").as_deref(), Some("abcd1234"));
        assert_eq!(read_backup_code("abcd123"), None);
    }
}
