//! Short ids (pronouns.cc's `sid`): a few random lowercase letters, unique per kind — users
//! have 5, members 6. One generator and one retry policy for both: draw, let the unique index
//! (or a check in the same transaction) decide, draw again on a collision, give up after
//! [`SHORT_ID_ATTEMPTS`] with 503 (docs/profiles.md#short-ids).

use rand::Rng;

use crate::{StoreError, UniqueField};

/// A kind of short id: how many letters it has, and the unique field a collision reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShortIdKind {
    pub length: usize,
    pub collision: UniqueField,
    /// What it names, for the log line when the space is exhausted.
    pub names: &'static str,
}

/// A user's short id: 5 letters, 26^5 = 11,881,376 of them.
pub const USER_SHORT_ID: ShortIdKind =
    ShortIdKind { length: 5, collision: UniqueField::ShortId, names: "user" };

/// A member's short id: 6 letters (pronouns.cc's), 26^6 ≈ 3.1 × 10^8 of them.
pub const MEMBER_SHORT_ID: ShortIdKind =
    ShortIdKind { length: 6, collision: UniqueField::MemberSid, names: "member" };

/// Letters in a user's short id.
pub const SID_LENGTH: usize = USER_SHORT_ID.length;
/// Letters in a member's short id.
pub const MEMBER_SID_LENGTH: usize = MEMBER_SHORT_ID.length;

/// How many short ids a use case draws before giving up. Each draw collides with probability
/// (taken / 26^length): with the space a tenth full, 10 collisions in a row happen once in
/// 10^10 tries; only a nearly full space makes them likely, and then the answer is 503 with
/// the cause logged (docs/profiles.md#short-ids says what an operator does).
pub const SHORT_ID_ATTEMPTS: usize = 10;

/// `len` random lowercase ASCII letters. Uniqueness is the caller's: see [`with_fresh_short_id`].
pub fn random_short_id(len: usize) -> String {
    let mut rng = rand::thread_rng();
    (0..len).map(|_| char::from(b'a' + rng.gen_range(0..26u8))).collect()
}

/// Whether `value` has the form of a user's short id.
pub fn is_sid(value: &str) -> bool {
    value.len() == SID_LENGTH && value.bytes().all(|b| b.is_ascii_lowercase())
}

/// Runs `attempt` with fresh random short ids of `kind` until one is not taken, at most
/// [`SHORT_ID_ATTEMPTS`] times. `attempt` reports a taken id as `Conflict(kind.collision)`
/// (the unique index decides, so concurrent writers cannot both win). Each attempt is its own
/// transaction: on PostgreSQL a unique violation aborts the transaction it happens in.
pub(crate) fn with_fresh_short_id<T>(
    kind: ShortIdKind,
    mut attempt: impl FnMut(String) -> Result<T, StoreError>,
) -> Result<T, StoreError> {
    for _ in 0..SHORT_ID_ATTEMPTS {
        match attempt(random_short_id(kind.length)) {
            Err(StoreError::Conflict(field)) if field == kind.collision => continue,
            other => return other,
        }
    }
    Err(StoreError::Unavailable(format!(
        "no free {} short id after {SHORT_ID_ATTEMPTS} attempts: the 26^{} short-id space is \
         nearly full",
        kind.names, kind.length
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_have_their_kind_s_length_and_letters() {
        for kind in [USER_SHORT_ID, MEMBER_SHORT_ID] {
            let id = random_short_id(kind.length);
            assert_eq!(id.len(), kind.length);
            assert!(id.bytes().all(|b| b.is_ascii_lowercase()), "{id}");
        }
        assert!(is_sid(&random_short_id(SID_LENGTH)));
        assert!(!is_sid(&random_short_id(MEMBER_SID_LENGTH)));
    }

    #[test]
    fn collisions_are_retried_then_answered_503() {
        let mut tries = 0;
        let outcome: Result<(), StoreError> = with_fresh_short_id(MEMBER_SHORT_ID, |_| {
            tries += 1;
            Err(StoreError::Conflict(UniqueField::MemberSid))
        });
        assert_eq!(tries, SHORT_ID_ATTEMPTS);
        assert!(matches!(outcome, Err(StoreError::Unavailable(m)) if m.contains("member")));
        // Another kind's collision, or another unique field, is not retried.
        let mut tries = 0;
        let outcome: Result<(), StoreError> = with_fresh_short_id(USER_SHORT_ID, |_| {
            tries += 1;
            Err(StoreError::Conflict(UniqueField::MemberSid))
        });
        assert_eq!(tries, 1);
        assert!(matches!(outcome, Err(StoreError::Conflict(UniqueField::MemberSid))));
        let mut tries = 0;
        let found = with_fresh_short_id(USER_SHORT_ID, |sid| {
            tries += 1;
            if tries < 3 {
                Err(StoreError::Conflict(UniqueField::ShortId))
            } else {
                Ok(sid)
            }
        });
        assert_eq!(tries, 3);
        assert!(is_sid(&found.unwrap()));
    }
}
