//! The generic cell rate algorithm, in integer microseconds.
//!
//! A bucket's whole state is its theoretical arrival time `tat`: the moment it would be empty
//! again (fully refilled). With burst `B` and interval `T`, a request at `now` is admitted iff
//! `max(tat, now) + T - now <= B·T`; admitting moves `tat` to `max(tat, now) + T`.
//!
//! A refusal's `retry_after` is `tat - now`, the time until the bucket is full again, not the
//! shorter time until one request fits. Discord's clients assume Discord's model: after the
//! wait, the bucket is fully available (`retry_after` equals `X-RateLimit-Reset-After` on
//! Discord's 429s). Every request refused before `tat` is told to come back at `tat`, so a herd
//! of waiters wakes together and finds the whole burst free instead of one slot (where all but
//! one would meet another 429, and a library that gives up after a few tries gives up).

use crate::Quota;

/// What a bucket says about one request, and what the `X-RateLimit-*` headers report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decision {
    pub admitted: bool,
    /// The bucket's burst (`X-RateLimit-Limit`).
    pub limit: u32,
    /// Requests admissible right after this one (`X-RateLimit-Remaining`).
    pub remaining: u32,
    /// Microseconds until the bucket is full again (`X-RateLimit-Reset-After`).
    pub reset_after_us: u64,
    /// When refused: microseconds until the bucket is full again (then its whole burst is
    /// admitted); 0 when admitted.
    pub retry_after_us: u64,
    /// The TAT to store if the request is charged.
    pub new_tat_us: u64,
}

/// Evaluates one request against a bucket whose stored TAT is `stored_tat_us` (0 = never used).
/// `charge` says whether this request counts if admitted (false: only look).
pub fn decide(quota: Quota, stored_tat_us: u64, now_us: u64, charge: bool) -> Decision {
    let interval = quota.interval_us();
    let capacity = interval * u64::from(quota.burst);
    let tat = stored_tat_us.max(now_us);
    let next = tat + interval;
    let admitted = next - now_us <= capacity;
    // The state the headers describe: after this request if it is charged and admitted,
    // otherwise as it stands.
    let after = if admitted && charge { next } else { tat };
    let used = after - now_us;
    let remaining = ((capacity - used.min(capacity)) / interval) as u32;
    Decision {
        admitted,
        limit: quota.burst,
        remaining,
        reset_after_us: used,
        retry_after_us: if admitted { 0 } else { used },
        new_tat_us: after,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    const GLOBAL: Quota = Quota::new(10, Duration::from_secs(2));

    /// The theoretical arrival time after `GLOBAL`'s whole burst (ten requests) at `now`.
    fn emptied(now: u64) -> u64 {
        let mut tat = 0;
        for _ in 0..10 {
            tat = decide(GLOBAL, tat, now, true).new_tat_us;
        }
        tat
    }

    #[test]
    fn admits_exactly_the_burst_then_refuses() {
        let now = 1_000_000_000;
        let mut tat = 0;
        for i in 0..10 {
            let d = decide(GLOBAL, tat, now, true);
            assert!(d.admitted, "request {i}");
            assert_eq!(d.remaining, 9 - i);
            assert_eq!(d.reset_after_us, 200_000 * u64::from(i + 1));
            tat = d.new_tat_us;
        }
        let refused = decide(GLOBAL, tat, now, true);
        assert!(!refused.admitted);
        assert_eq!(refused.remaining, 0);
        // Until the bucket is full again, as the headers say, not until one request fits.
        assert_eq!(refused.retry_after_us, 2_000_000);
        assert_eq!(refused.reset_after_us, 2_000_000);
        // Refusal charged nothing: the state is unchanged.
        assert_eq!(refused.new_tat_us, tat);
    }

    #[test]
    fn refills_one_per_interval() {
        let now = 5_000_000;
        let tat = emptied(now);
        // One interval later exactly one more fits (GCRA admits as it refills) …
        let d = decide(GLOBAL, tat, now + 200_000, true);
        assert!(d.admitted);
        assert_eq!((d.remaining, d.reset_after_us), (0, 2_000_000));
        let refused = decide(GLOBAL, d.new_tat_us, now + 200_000, true);
        assert!(!refused.admitted);
        // … but the refusal still names the moment the whole burst is back.
        assert_eq!(refused.retry_after_us, 2_000_000);
        // An idle bucket is full again after reset_after.
        let full = decide(GLOBAL, d.new_tat_us, now + 200_000 + d.reset_after_us, false);
        assert_eq!((full.remaining, full.reset_after_us), (10, 0));
    }

    #[test]
    fn waiters_refused_at_different_times_all_fit_after_their_retry_after() {
        let now = 7_000_000;
        let mut tat = emptied(now);
        // Ten waiters refused over 150 ms are all told the same moment, and all fit then.
        let wake_ups: Vec<u64> = (0..10)
            .map(|i| {
                let at = now + i * 15_000;
                let refused = decide(GLOBAL, tat, at, true);
                assert!(!refused.admitted);
                at + refused.retry_after_us
            })
            .collect();
        assert!(wake_ups.iter().all(|&w| w == now + 2_000_000), "{wake_ups:?}");
        for i in 0..10 {
            let d = decide(GLOBAL, tat, wake_ups[0], true);
            assert!(d.admitted, "waiter {i}");
            tat = d.new_tat_us;
        }
        // The eleventh waiter is told to come back when those ten have refilled.
        let eleventh = decide(GLOBAL, tat, wake_ups[0], true);
        assert_eq!((eleventh.admitted, eleventh.retry_after_us), (false, 2_000_000));
    }

    #[test]
    fn a_partly_refilled_bucket_names_the_time_until_full() {
        let now = 9_000_000;
        let tat = emptied(now);
        // 150 ms on: still refused (the next slot frees at 200 ms); full at 2 s.
        let refused = decide(GLOBAL, tat, now + 150_000, true);
        assert!(!refused.admitted);
        assert_eq!((refused.retry_after_us, refused.reset_after_us), (1_850_000, 1_850_000));
        let back = decide(GLOBAL, tat, now + 150_000 + refused.retry_after_us, false);
        assert_eq!((back.admitted, back.remaining), (true, 10));
    }

    #[test]
    fn one_per_ten_seconds() {
        let q = Quota::new(1, Duration::from_secs(10));
        let first = decide(q, 0, 0, true);
        assert!(first.admitted);
        assert_eq!((first.remaining, first.reset_after_us), (0, 10_000_000));
        let second = decide(q, first.new_tat_us, 4_000_000, true);
        assert!(!second.admitted);
        assert_eq!(second.retry_after_us, 6_000_000);
    }

    #[test]
    fn looking_does_not_charge() {
        let d = decide(GLOBAL, 0, 0, false);
        assert!(d.admitted);
        assert_eq!((d.remaining, d.new_tat_us), (10, 0));
    }
}
