//! The in-process store: each bucket's TAT in one map behind a mutex. A check touches a few
//! map entries, so one lock is cheaper than anything finer (see the benchmark).

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use crate::{decide, Bucket, Decision};

/// Where "now" comes from: the system clock, or a hand-moved one in tests.
pub trait Clock: Send + Sync + 'static {
    /// Microseconds since the Unix epoch.
    fn now_us(&self) -> u64;
}

pub struct SystemClock;

impl Clock for SystemClock {
    fn now_us(&self) -> u64 {
        SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_micros() as u64).unwrap_or(0)
    }
}

/// A clock that only moves when told to.
#[derive(Default)]
pub struct ManualClock(AtomicU64);

impl ManualClock {
    pub fn new(start_us: u64) -> Arc<ManualClock> {
        Arc::new(ManualClock(AtomicU64::new(start_us)))
    }

    pub fn advance_us(&self, us: u64) {
        self.0.fetch_add(us, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now_us(&self) -> u64 {
        self.0.load(Ordering::SeqCst)
    }
}

pub struct MemoryStore {
    clock: Arc<dyn Clock>,
    tats: Mutex<HashMap<String, u64>>,
}

/// Buckets whose TAT has passed are full again and need no entry; past this many entries the
/// map is swept of them.
const SWEEP_ABOVE: usize = 50_000;

impl MemoryStore {
    pub fn new(clock: Arc<dyn Clock>) -> MemoryStore {
        MemoryStore { clock, tats: Mutex::new(HashMap::new()) }
    }

    pub fn now_us(&self) -> u64 {
        self.clock.now_us()
    }

    /// Checks `buckets` atomically: if all admit, the charged ones are charged; else none.
    pub fn check(&self, buckets: &[Bucket]) -> Vec<Decision> {
        let now = self.clock.now_us();
        // A poisoned lock means a panic elsewhere mid-update; the map of integers is still
        // consistent, so keep limiting rather than fail every request.
        let mut tats = self.tats.lock().unwrap_or_else(|e| e.into_inner());
        let decisions: Vec<Decision> = buckets
            .iter()
            .map(|b| decide(b.quota, tats.get(&b.key).copied().unwrap_or(0), now, b.charge))
            .collect();
        if decisions.iter().all(|d| d.admitted) {
            for (b, d) in buckets.iter().zip(&decisions).filter(|(b, _)| b.charge) {
                tats.insert(b.key.clone(), d.new_tat_us);
            }
            if tats.len() > SWEEP_ABOVE {
                tats.retain(|_, tat| *tat > now);
            }
        }
        decisions
    }

    /// Gives one request back to each bucket: its TAT moves back one interval (never before
    /// now, where the bucket is full).
    pub fn refund(&self, buckets: &[Bucket]) {
        let now = self.clock.now_us();
        let mut tats = self.tats.lock().unwrap_or_else(|e| e.into_inner());
        for b in buckets {
            if let Some(tat) = tats.get_mut(&b.key) {
                *tat = tat.saturating_sub(b.quota.interval_us()).max(now);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Quota;
    use std::time::Duration;

    #[test]
    fn all_or_nothing_across_buckets() {
        let clock = ManualClock::new(1_000_000);
        let store = MemoryStore::new(clock.clone());
        let wide = Quota::new(10, Duration::from_secs(2));
        let narrow = Quota::new(1, Duration::from_secs(10));
        let bucket = |key: &str, quota, charge| Bucket { key: key.into(), quota, charge };
        let both = vec![bucket("g", wide, true), bucket("r", narrow, true)];
        assert!(store.check(&both).iter().all(|d| d.admitted));
        // The narrow bucket refuses; the wide one must not be charged for it.
        for _ in 0..5 {
            let d = store.check(&both);
            assert!(d[0].admitted && !d[1].admitted);
        }
        let wide_only = vec![bucket("g", wide, false)];
        assert_eq!(store.check(&wide_only)[0].remaining, 9);
        clock.advance_us(10_000_000);
        assert!(store.check(&both).iter().all(|d| d.admitted));
    }

    #[test]
    fn a_looked_at_bucket_refuses_when_full_but_is_never_charged() {
        let clock = ManualClock::new(1_000_000);
        let store = MemoryStore::new(clock);
        let one = Quota::new(1, Duration::from_secs(60));
        let wide = Quota::new(10, Duration::from_secs(2));
        let look = Bucket { key: "invalid".into(), quota: one, charge: false };
        let charged = Bucket { key: "g".into(), quota: wide, charge: true };
        // Looking never fills it: any number of requests pass.
        for _ in 0..5 {
            assert!(store.check(&[look.clone(), charged.clone()]).iter().all(|d| d.admitted));
        }
        assert_eq!(store.check(std::slice::from_ref(&look))[0].remaining, 1);
        // Once it is full (charged elsewhere), it refuses, and the request charges nothing.
        store.check(&[Bucket { charge: true, ..look.clone() }]);
        let refused = store.check(&[look, charged.clone()]);
        assert!(!refused[0].admitted);
        assert_eq!(store.check(&[Bucket { charge: false, ..charged }])[0].remaining, 5);
    }
}
