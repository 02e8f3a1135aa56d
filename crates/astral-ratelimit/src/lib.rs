//! Rate limiting the way Discord clients expect it.
//!
//! Every limit is a GCRA bucket ([`Quota`]: a burst and the period in which it refills). A
//! request is checked against all the buckets it falls in at once, in one store operation, and
//! admitted only if every one has room; then, and only then, the ones it counts against are
//! charged. A refused request charges
//! nothing, so waiting `retry_after` always suffices (Spacebar's lock-outs are the
//! anti-example). `retry_after` is the time until the refusing bucket is full again, so a
//! whole burst of waiters who waited it together get in, as Discord's clients assume.
//!
//! The arithmetic ([`gcra`]) is done here in integer microseconds for both stores: the
//! in-process [`MemoryStore`] and the shared [`RedisStore`] only keep each bucket's
//! theoretical arrival time (TAT). Hence the headers are the same whichever store answers.

mod address;
mod gcra;
mod limiter;
mod memory;
mod quota;
mod redis_store;

pub use address::{address_subject, client_ip, IpNet};
pub use gcra::{decide, Decision};
pub use limiter::{
    BucketKind, Check, Limiter, LimiterConfig, LoginAttempt, Refusal, RouteLimit, Scope, StoreKind,
    Subject,
};
pub use memory::{Clock, ManualClock, MemoryStore, SystemClock};
pub use quota::{Quota, QuotaError};

/// One bucket in a check: its key, its quota, and whether this request is charged to it (a
/// bucket that is only looked at still refuses when full). A check admits a request only if
/// every bucket has room, and then charges the charged ones — all of them, or none.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bucket {
    pub key: String,
    pub quota: Quota,
    pub charge: bool,
}
pub use redis_store::RedisStore;
