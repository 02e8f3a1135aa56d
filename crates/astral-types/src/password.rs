//! The one password rule, for every place a password is set: `POST /auth/register`, the CLI's
//! `astral users create --password/--password-stdin`, and any later password change or reset.
//! It lives here (not in the server's handlers) so that all of them reach the same function.
//!
//! A password must:
//! - be [`PASSWORD_LENGTH`] characters long (8–256) (`BASE_TYPE_BAD_LENGTH`);
//! - not equal the account's username or email, ignoring case (`PASSWORD_TOO_WEAK`);
//! - reach [`MIN_STRENGTH`] on the zxcvbn estimator (`PASSWORD_TOO_WEAK`), which knows common
//!   passwords, dictionary words, keyboard rows, repeats, sequences and dates, and counts the
//!   username and email as known words.
//!
//! The strength estimate costs up to a few milliseconds of CPU; the server runs it on its
//! password pool, never on an async worker.

use crate::form::{refuse, Invalid, Length};
use crate::FormErrors;

pub const PASSWORD_LENGTH: Length = Length::new(8, 256);
/// The longest password: the server never hashes or verifies a longer one.
pub const PASSWORD_MAX: usize = PASSWORD_LENGTH.max;

/// zxcvbn's score 3 of 0–4: about 10^10 guesses or more ("safely unguessable: moderate
/// protection from an offline slow-hash scenario"). `correct horse battery` scores 4;
/// `12345678`, `password` and `hunter2hunter2` score 0–1.
pub const MIN_STRENGTH: zxcvbn::Score = zxcvbn::Score::Three;

/// The field error code for a password refused by the strength rule.
pub const PASSWORD_TOO_WEAK: &str = "PASSWORD_TOO_WEAK";

/// Who the password is for: what it must not equal, and what the estimator treats as known
/// words.
#[derive(Debug, Clone, Copy, Default)]
pub struct Account<'a> {
    pub username: Option<&'a str>,
    pub email: Option<&'a str>,
}

/// Why a password is refused: the field error's code and message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub code: &'static str,
    pub message: String,
}

/// Checks `password` for `account`, recording a refusal under the field `password`. Returns the
/// password when it passes.
pub fn check(
    errors: &mut FormErrors,
    password: String,
    account: Account<'_>,
) -> Result<String, Invalid> {
    match refusal(&password, account) {
        None => Ok(password),
        Some(refusal) => Err(refusal.record(errors)),
    }
}

impl Refusal {
    /// Records the refusal under the field `password`.
    pub fn record(self, errors: &mut FormErrors) -> Invalid {
        refuse(errors, "password", self.code, self.message)
    }
}

/// The cheap part of the rule (the length), for callers that run the strength estimate
/// elsewhere: `None` when the length is fine.
pub fn length_refusal(password: &str) -> Option<Refusal> {
    if PASSWORD_LENGTH.contains(password) {
        None
    } else {
        Some(Refusal { code: "BASE_TYPE_BAD_LENGTH", message: PASSWORD_LENGTH.message() })
    }
}

/// The whole rule: `None` when `password` may be set for `account`.
pub fn refusal(password: &str, account: Account<'_>) -> Option<Refusal> {
    if let Some(refusal) = length_refusal(password) {
        return Some(refusal);
    }
    let known: Vec<&str> = [account.username, account.email].into_iter().flatten().collect();
    let lowered = password.to_lowercase();
    if known.iter().any(|k| k.to_lowercase() == lowered) {
        return Some(Refusal {
            code: PASSWORD_TOO_WEAK,
            message: "Password must not be your username or email.".to_owned(),
        });
    }
    let estimate = zxcvbn::zxcvbn(password, &known);
    if estimate.score() >= MIN_STRENGTH {
        return None;
    }
    let hint =
        estimate.feedback().and_then(|f| f.warning()).map(|w| format!(" {w}")).unwrap_or_default();
    Some(Refusal {
        code: PASSWORD_TOO_WEAK,
        message: format!(
            "Password is too weak or common to use.{hint} A few uncommon words together make \
             a strong one."
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn passes(password: &str, username: &str, email: Option<&str>) -> bool {
        let account = Account { username: Some(username), email };
        let mut errors = FormErrors::new();
        let ok = check(&mut errors, password.to_owned(), account).is_ok();
        assert_eq!(ok, errors.is_empty());
        ok
    }

    #[test]
    fn the_examples_and_test_passwords_pass() {
        for good in [
            "correct horse battery",
            "long enough to pass",
            "owner's own passphrase 9",
            "bot login passphrase 4",
            "fuzz-horse-battery-staple",
            "compat suite password",
        ] {
            assert!(passes(good, "ada", Some("ada@example.org")), "{good}");
        }
    }

    #[test]
    fn common_short_and_account_passwords_are_refused() {
        for weak in
            ["12345678", "password", "password1", "qwertyuiop", "aaaaaaaaaaaa", "hunter2hunter2"]
        {
            assert!(!passes(weak, "ada", None), "{weak}");
        }
        assert!(!passes("short", "ada", None));
        assert!(!passes(&"x".repeat(PASSWORD_MAX + 1), "ada", None));
        // Equal to the username or email, whatever the case, however long.
        assert!(!passes("Grace.Hopper-1906", "grace.hopper-1906", None));
        assert!(!passes("Grace.Hopper@Example.org", "grace", Some("grace.hopper@example.org")));
    }
}
