//! Which buckets a request falls in, and what to tell the client.
//!
//! A request is charged to one **subject**: its token (by the token's id, once the token has
//! been looked up and found valid), or otherwise its client address (no token, or a token
//! that does not authenticate). What the `Authorization` header says is never a key: any
//! spelling of it would be a fresh budget.
//!
//! - before a presented token is looked up, the **token-check** bucket of the address admits
//!   it (a cheap gate, so junk tokens cannot make every request cost a hash and a lookup);
//! - authenticated requests: the **global** bucket of their token (seed: 5/s, burst 10);
//! - everything else: the **unauthenticated** bucket of the address (this covers
//!   `/auth/register` and `/auth/login`, slowing password guessing);
//! - on top, a **route** bucket where one is configured (seed: `PATCH /users/@me` 1 per 10 s,
//!   `GET /users/@me/relationships` 3/s), for the same subject, matched on the path the router
//!   matches (decoded), never on the raw request line;
//! - the **invalid-request** bucket of the subject counts 401, 403 and 429 answers; while it
//!   is full, every request of that subject is refused. A token that authenticates is its own
//!   subject, so another client's lock-out of a shared address never refuses it;
//! - failed logins are counted per address **and** per account (see [`Limiter::begin_login`]).
//!
//! Addresses: see [`crate::client_ip`] (trusted proxies) and [`crate::address_subject`] (IPv6
//! per /64). Keys never hold a token or a login name as they are.

use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use sha2::{Digest, Sha256};

use crate::{address_subject, Bucket, Decision, MemoryStore, Quota, RedisStore, SystemClock};

/// A route with its own bucket, matched on method and path (without the version prefix).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteLimit {
    pub name: &'static str,
    pub method: &'static str,
    pub path: &'static str,
    pub quota: Quota,
}

#[derive(Debug, Clone)]
pub struct LimiterConfig {
    pub global: Quota,
    pub unauthenticated: Quota,
    pub invalid_requests: Quota,
    /// Per address: requests that present a token, before the token is looked up.
    pub token_checks: Quota,
    /// Per address: logins refused for a wrong password (or unknown account).
    pub failed_logins_per_address: Quota,
    /// Per account (or per login name that names none): logins refused for a wrong password.
    pub failed_logins_per_account: Quota,
    /// Per target account: mails sent to it (verification, email-change codes, password
    /// resets), whoever asked for them (issue 16 B).
    pub mail_per_account: Quota,
    /// Peers whose `X-Forwarded-For`/`Forwarded` are believed (empty: nobody's).
    pub trusted_proxies: Vec<crate::IpNet>,
    pub routes: Vec<RouteLimit>,
    pub redis_url: Option<String>,
    /// Prefix of every Redis key (lets instances of different deployments share one Redis).
    pub namespace: String,
}

impl LimiterConfig {
    /// The seed's limits.
    pub fn seed_defaults() -> LimiterConfig {
        LimiterConfig {
            global: Quota::new(10, Duration::from_secs(2)),
            unauthenticated: Quota::new(10, Duration::from_secs(10)),
            invalid_requests: Quota::new(10_000, Duration::from_secs(600)),
            token_checks: Quota::new(100, Duration::from_secs(1)),
            failed_logins_per_address: Quota::new(10, Duration::from_secs(600)),
            failed_logins_per_account: Quota::new(10, Duration::from_secs(600)),
            mail_per_account: Quota::new(5, Duration::from_secs(3600)),
            trusted_proxies: Vec::new(),
            routes: vec![
                RouteLimit {
                    name: "update_my_user",
                    method: "PATCH",
                    path: "/users/@me",
                    quota: Quota::new(1, Duration::from_secs(10)),
                },
                RouteLimit {
                    name: "list_my_relationships",
                    method: "GET",
                    path: "/users/@me/relationships",
                    quota: Quota::new(3, Duration::from_secs(1)),
                },
                // Each creation decodes and re-encodes an image: a few at once (a user adding
                // a set of flags), then one every 2 s.
                RouteLimit {
                    name: "create_pride_flag",
                    method: "POST",
                    path: "/users/@me/flags",
                    quota: Quota::new(5, Duration::from_secs(10)),
                },
            ],
            redis_url: None,
            namespace: "astral".into(),
        }
    }
}

/// Which kind of bucket refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BucketKind {
    Global,
    Unauthenticated,
    Route,
    InvalidRequests,
    TokenChecks,
    FailedLoginsPerAddress,
    FailedLoginsPerAccount,
    MailPerAccount,
}

/// Whom a request is charged to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Subject {
    /// A token that authenticated, by its id (never by its text).
    Token(String),
    /// The client address: no token, or one that did not authenticate.
    Address(IpAddr),
}

impl Subject {
    fn key(&self) -> String {
        match self {
            Subject::Token(id) => format!("tok:{id}"),
            Subject::Address(ip) => address_subject(*ip),
        }
    }
}

/// `X-RateLimit-Scope`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    User,
    Global,
    Shared,
}

impl Scope {
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::User => "user",
            Scope::Global => "global",
            Scope::Shared => "shared",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Refusal {
    pub kind: BucketKind,
    pub scope: Scope,
    /// Whether the body's `global` and `X-RateLimit-Global` are true.
    pub global: bool,
    pub retry_after_us: u64,
}

/// The outcome of a check: the numbers of the bucket the headers describe, its id, and a
/// refusal if the request must be answered 429.
#[derive(Debug, Clone, PartialEq)]
pub struct Check {
    pub decision: Decision,
    pub bucket_id: String,
    pub now_us: u64,
    pub refusal: Option<Refusal>,
}

/// Which store answered (for the health report).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoreKind {
    Memory,
    Redis,
}

pub struct Limiter {
    config: LimiterConfig,
    memory: MemoryStore,
    redis: Option<RedisStore>,
    /// While Redis is failing, skip it until this time (µs), then try again.
    redis_retry_at_us: AtomicU64,
    redis_failures: AtomicU64,
    last_failure_logged_us: Mutex<u64>,
}

/// After a Redis failure, use the memory store for this long before trying Redis again.
const REDIS_BACKOFF_US: u64 = 1_000_000;

impl Limiter {
    pub fn new(config: LimiterConfig) -> Result<Limiter, String> {
        Self::with_clock(config, Arc::new(SystemClock))
    }

    /// With another clock (tests freeze and move time by hand). The clock drives the memory
    /// store; Redis uses its own.
    pub fn with_clock(
        config: LimiterConfig,
        clock: Arc<dyn crate::Clock>,
    ) -> Result<Limiter, String> {
        let redis = match &config.redis_url {
            Some(url) => Some(RedisStore::new(url, Duration::from_millis(250))?),
            None => None,
        };
        Ok(Limiter {
            config,
            memory: MemoryStore::new(clock),
            redis,
            redis_retry_at_us: AtomicU64::new(0),
            redis_failures: AtomicU64::new(0),
            last_failure_logged_us: Mutex::new(0),
        })
    }

    pub fn config(&self) -> &LimiterConfig {
        &self.config
    }

    /// How often Redis failed and the memory store answered instead.
    pub fn redis_failures(&self) -> u64 {
        self.redis_failures.load(Ordering::Relaxed)
    }

    /// Whether Redis answers a `PING` now; `None` when the buckets are kept in process.
    pub async fn ping_redis(&self) -> Option<bool> {
        Some(self.redis.as_ref()?.ping().await.is_ok())
    }

    pub fn configured_store(&self) -> StoreKind {
        if self.redis.is_some() {
            StoreKind::Redis
        } else {
            StoreKind::Memory
        }
    }

    /// The gate before a presented token is looked up: charges the address's token-check
    /// bucket. Costs one store operation and no hashing or database work.
    pub async fn check_token_gate(&self, ip: IpAddr) -> Check {
        let buckets = [Bucket {
            key: self.key("token_checks", &address_subject(ip)),
            quota: self.config.token_checks,
            charge: true,
        }];
        let (decisions, now_us) = self.run(&buckets).await;
        let d = decisions[0];
        Check {
            decision: d,
            bucket_id: bucket_id("token_checks"),
            now_us,
            refusal: (!d.admitted).then_some(Refusal {
                kind: BucketKind::TokenChecks,
                scope: Scope::Global,
                global: true,
                retry_after_us: d.retry_after_us,
            }),
        }
    }

    /// Checks (and, if admitted, charges) a request of `subject`. `path` is the path the
    /// router matches, without the version prefix and percent-decoded.
    pub async fn check(&self, method: &str, path: &str, subject: &Subject) -> Check {
        // One store operation: the subject's invalid-request bucket is looked at (a full one
        // refuses), the request's own buckets are charged.
        let mut buckets = vec![Bucket {
            key: self.key("invalid", &subject.key()),
            quota: self.config.invalid_requests,
            charge: false,
        }];
        let mut names = vec![("invalid", BucketKind::InvalidRequests)];
        for (bucket, name) in self.charged_buckets(method, path, subject) {
            buckets.push(bucket);
            names.push(name);
        }
        let (decisions, now_us) = self.run(&buckets).await;
        // A subject over the invalid-request limit is refused first, whatever else has room.
        let invalid = decisions[0];
        let refusal = if !invalid.admitted {
            Some((invalid, BucketKind::InvalidRequests))
        } else {
            decisions
                .iter()
                .zip(&names)
                .skip(1)
                .filter(|(d, _)| !d.admitted)
                .max_by_key(|(d, _)| d.retry_after_us)
                .map(|(d, (_, kind))| (*d, *kind))
        }
        .map(|(d, kind)| Refusal {
            kind,
            scope: if kind == BucketKind::Route { Scope::User } else { Scope::Global },
            global: kind != BucketKind::Route,
            retry_after_us: d.retry_after_us,
        });
        // The headers describe the invalid-request bucket when it refused, otherwise the
        // route's own bucket where there is one, otherwise the global (or per-address) one.
        let shown = if !invalid.admitted { 0 } else { decisions.len() - 1 };
        Check { decision: decisions[shown], bucket_id: bucket_id(names[shown].0), now_us, refusal }
    }

    /// Gives back what [`Limiter::check`] charged a request of `subject` (its global or
    /// per-address bucket, and its route's): for an answer that is a step of a protocol, not a
    /// request of its own. The MFA-required 401 (60003) is one: the client finishes the
    /// challenge and sends the same request again at once, which a route bucket of one per
    /// ten seconds (`PATCH /users/@me`) would otherwise refuse (issue 16 C).
    pub async fn refund_request(&self, method: &str, path: &str, subject: &Subject) {
        let buckets: Vec<Bucket> =
            self.charged_buckets(method, path, subject).into_iter().map(|(b, _)| b).collect();
        self.run_refund(&buckets).await;
    }

    /// The buckets a request of `subject` is charged to, with their names: its global (token)
    /// or unauthenticated (address) bucket, and its route's when the route has one. The one
    /// place [`Limiter::check`] and [`Limiter::refund_request`] learn them from.
    fn charged_buckets(
        &self,
        method: &str,
        path: &str,
        subject: &Subject,
    ) -> Vec<(Bucket, (&'static str, BucketKind))> {
        let subject_key = subject.key();
        let (name, kind, quota) = match subject {
            Subject::Token(_) => ("global", BucketKind::Global, self.config.global),
            Subject::Address(_) => {
                ("unauthenticated", BucketKind::Unauthenticated, self.config.unauthenticated)
            }
        };
        let mut buckets =
            vec![(Bucket { key: self.key(name, &subject_key), quota, charge: true }, (name, kind))];
        if let Some(route) =
            self.config.routes.iter().find(|r| r.method == method && r.path == path)
        {
            let bucket = Bucket {
                key: self.key(route.name, &subject_key),
                quota: route.quota,
                charge: true,
            };
            buckets.push((bucket, (route.name, BucketKind::Route)));
        }
        buckets
    }

    /// Counts an invalid answer (401, 403, or a 429 not caused by the invalid-request limit
    /// itself) against the subject.
    pub async fn record_invalid(&self, subject: &Subject) {
        let bucket = Bucket {
            key: self.key("invalid", &subject.key()),
            quota: self.config.invalid_requests,
            charge: true,
        };
        self.run(&[bucket]).await;
    }

    /// Admits a login attempt from `ip` for `account` before any password hashing, and
    /// reserves its place in the failed-login buckets: an attempt counts as failed from the
    /// start, so concurrent guesses cannot all pass before the first failure is recorded. A
    /// success gives the places back ([`Limiter::login_succeeded`]). `account` identifies the
    /// account (its id, or the normalised login name when it names none); it is hashed into
    /// the key.
    ///
    /// The address's bucket refuses past its burst, for every account. The account's bucket,
    /// once full, refuses every address, except that an address may make **one** attempt per
    /// interval of its own bucket against it (a bucket of one per address): an attacker
    /// hammering an account gets one guess per address per interval, from one address or
    /// many, while the owner, typing the password once from their own address, still logs
    /// in. Slowed, never locked.
    pub async fn begin_login(&self, ip: IpAddr, account: &str) -> (Check, Option<LoginAttempt>) {
        let address_key = address_subject(ip);
        let address = Bucket {
            key: self.key("failed_logins_address", &address_key),
            quota: self.config.failed_logins_per_address,
            charge: true,
        };
        let account = Bucket {
            key: self.key("failed_logins_account", &format!("acct:{}", hash(account))),
            quota: self.config.failed_logins_per_account,
            charge: true,
        };
        let both = [address.clone(), account];
        let (decisions, now_us) = self.run(&both).await;
        let check = |decision: Decision, name: &str, kind: Option<BucketKind>| Check {
            decision,
            bucket_id: bucket_id(name),
            now_us,
            refusal: kind.map(|kind| Refusal {
                kind,
                scope: if kind == BucketKind::FailedLoginsPerAccount {
                    Scope::Shared
                } else {
                    Scope::User
                },
                global: false,
                retry_after_us: decision.retry_after_us,
            }),
        };
        // A run's answer when the address decides it: every bucket admits (the attempt holds
        // their places), or the address's own bucket refuses.
        let decided_by_address = |decisions: &[Decision], buckets: &[Bucket]| {
            if decisions.iter().all(|d| d.admitted) {
                let attempt = LoginAttempt { buckets: buckets.to_vec() };
                Some((check(decisions[0], "failed_logins_address", None), Some(attempt)))
            } else if !decisions[0].admitted {
                let kind = Some(BucketKind::FailedLoginsPerAddress);
                Some((check(decisions[0], "failed_logins_address", kind), None))
            } else {
                None
            }
        };
        if let Some(answer) = decided_by_address(&decisions, &both) {
            return answer;
        }
        // The account is full: this address's one attempt per interval.
        let address_quota = self.config.failed_logins_per_address;
        let one_per_interval = Bucket {
            key: self.key("failed_logins_spare", &address_key),
            quota: Quota::new(1, Duration::from_micros(address_quota.interval_us())),
            charge: true,
        };
        let spare = [address, one_per_interval];
        let (spare_decisions, _) = self.run(&spare).await;
        if let Some(answer) = decided_by_address(&spare_decisions, &spare) {
            return answer;
        }
        (
            check(decisions[1], "failed_logins_account", Some(BucketKind::FailedLoginsPerAccount)),
            None,
        )
    }

    // issue 16 A: re-authentication (a password sent with a sensitive change) shares the
    // account's failed-login bucket, so guessing through `PATCH /users/@me` is limited exactly
    // as guessing through `/auth/login`. The caller is authenticated (its token was checked and
    // its requests are charged to it), so no per-address bucket is charged here.
    /// Holds a place in `account`'s failed-login bucket (the key [`Limiter::begin_login`] uses
    /// for it) for a re-authentication; `refusal` is set when the bucket is full.
    pub async fn begin_reauth(&self, account: &str) -> (Check, Option<LoginAttempt>) {
        let bucket = Bucket {
            key: self.key("failed_logins_account", &format!("acct:{}", hash(account))),
            quota: self.config.failed_logins_per_account,
            charge: true,
        };
        let buckets = [bucket];
        let (decisions, now_us) = self.run(&buckets).await;
        let decision = decisions[0];
        let refusal = (!decision.admitted).then_some(Refusal {
            kind: BucketKind::FailedLoginsPerAccount,
            scope: Scope::Shared,
            global: false,
            retry_after_us: decision.retry_after_us,
        });
        let attempt = decision.admitted.then(|| LoginAttempt { buckets: buckets.to_vec() });
        (
            Check { decision, bucket_id: bucket_id("failed_logins_account"), now_us, refusal },
            attempt,
        )
    }

    /// Charges one mail to `account`'s mail bucket (`mail_per_account`): a refusal means the
    /// mail must not be sent. `account` identifies the target account (hashed into the key).
    pub async fn check_mail(&self, account: &str) -> Check {
        let buckets = [Bucket {
            key: self.key("mail_account", &format!("acct:{}", hash(account))),
            quota: self.config.mail_per_account,
            charge: true,
        }];
        let (decisions, now_us) = self.run(&buckets).await;
        let d = decisions[0];
        Check {
            decision: d,
            bucket_id: bucket_id("mail_account"),
            now_us,
            refusal: (!d.admitted).then_some(Refusal {
                kind: BucketKind::MailPerAccount,
                scope: Scope::Shared,
                global: false,
                retry_after_us: d.retry_after_us,
            }),
        }
    }

    /// The attempt succeeded: it is not a failed login, give its places back.
    pub async fn login_succeeded(&self, attempt: LoginAttempt) {
        self.run_refund(&attempt.buckets).await;
    }

    fn key(&self, bucket: &str, subject: &str) -> String {
        format!("{}:rl:{bucket}:{subject}", self.config.namespace)
    }

    /// Redis when configured and healthy, the memory store otherwise (fail-open: a Redis
    /// outage never stops the service; limits then hold per instance).
    async fn run(&self, buckets: &[Bucket]) -> (Vec<Decision>, u64) {
        let now = self.memory.now_us();
        if let Some(redis) = self.healthy_redis(now) {
            match redis.check(buckets).await {
                // Report times on the local clock: Redis's may be skewed.
                Ok(decisions) => return (decisions, now),
                Err(e) => self.redis_failed(now, &e),
            }
        }
        (self.memory.check(buckets), now)
    }

    /// Gives one request's charge back to each bucket, where it is kept.
    async fn run_refund(&self, buckets: &[Bucket]) {
        let now = self.memory.now_us();
        if let Some(redis) = self.healthy_redis(now) {
            match redis.refund(buckets).await {
                Ok(()) => return,
                Err(e) => self.redis_failed(now, &e),
            }
        }
        self.memory.refund(buckets);
    }

    fn healthy_redis(&self, now: u64) -> Option<&RedisStore> {
        self.redis.as_ref().filter(|_| now >= self.redis_retry_at_us.load(Ordering::Relaxed))
    }

    fn redis_failed(&self, now: u64, e: &str) {
        self.redis_failures.fetch_add(1, Ordering::Relaxed);
        self.redis_retry_at_us.store(now + REDIS_BACKOFF_US, Ordering::Relaxed);
        let mut last = self.last_failure_logged_us.lock().unwrap_or_else(|e| e.into_inner());
        if now.saturating_sub(*last) >= 10_000_000 {
            *last = now;
            tracing::warn!(error = %e, failures = self.redis_failures(), "Redis rate-limit store failed; limiting in process until it answers again");
        }
    }
}

/// The places a login attempt holds in the failed-login buckets until it is known to have
/// succeeded (then they are given back) or failed (then they stay).
#[derive(Debug)]
pub struct LoginAttempt {
    buckets: Vec<Bucket>,
}

fn hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// `X-RateLimit-Bucket`: stable and opaque, the same for every user of the bucket.
pub fn bucket_id(name: &str) -> String {
    hex::encode(&Sha256::digest(format!("astral-bucket:{name}").as_bytes())[..16])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ManualClock;

    fn tok(id: &str) -> Subject {
        Subject::Token(id.to_owned())
    }

    fn limiter(clock: Arc<ManualClock>) -> Limiter {
        Limiter::with_clock(LimiterConfig::seed_defaults(), clock).unwrap()
    }

    #[tokio::test]
    async fn route_bucket_refuses_without_charging_the_global_one() {
        let clock = ManualClock::new(1_700_000_000_000_000);
        let l = limiter(clock.clone());
        let first = l.check("PATCH", "/users/@me", &tok("t")).await;
        assert!(first.refusal.is_none());
        assert_eq!((first.decision.limit, first.decision.remaining), (1, 0));
        assert_eq!(first.bucket_id, bucket_id("update_my_user"));
        let second = l.check("PATCH", "/users/@me", &tok("t")).await;
        let refusal = second.refusal.unwrap();
        assert_eq!(
            (refusal.scope, refusal.global, refusal.retry_after_us),
            (Scope::User, false, 10_000_000)
        );
        // The refused PATCH did not use the global bucket: 9 of 10 are left after the first.
        let get = l.check("GET", "/users/@me", &tok("t")).await;
        assert_eq!((get.decision.limit, get.decision.remaining), (10, 8));
    }

    #[tokio::test]
    async fn tokens_and_ips_have_their_own_buckets() {
        let clock = ManualClock::new(1_700_000_000_000_000);
        let l = limiter(clock);
        let ip: IpAddr = "10.0.0.1".parse().unwrap();
        for _ in 0..10 {
            assert!(l.check("GET", "/users/@me", &tok("a")).await.refusal.is_none());
        }
        let refused = l.check("GET", "/users/@me", &tok("a")).await.refusal.unwrap();
        assert_eq!((refused.scope, refused.global), (Scope::Global, true));
        assert!(l.check("GET", "/users/@me", &tok("b")).await.refusal.is_none());
        assert!(l.check("POST", "/auth/login", &Subject::Address(ip)).await.refusal.is_none());
    }

    #[tokio::test]
    async fn failed_logins_slow_the_address_and_the_account_but_never_lock_the_owner_out() {
        let clock = ManualClock::new(1_700_000_000_000_000);
        let mut config = LimiterConfig::seed_defaults();
        config.failed_logins_per_address = Quota::new(5, Duration::from_secs(60));
        config.failed_logins_per_account = Quota::new(2, Duration::from_secs(60));
        let l = Limiter::with_clock(config, clock.clone()).unwrap();
        let attacker: IpAddr = "10.0.0.1".parse().unwrap();
        let second: IpAddr = "10.0.0.2".parse().unwrap();
        let owner: IpAddr = "10.0.0.3".parse().unwrap();
        // Two failures fill the account; the attacker's third attempt is its one per
        // interval (12 s) past a full account, the fourth is refused by the account.
        for _ in 0..3 {
            let (check, attempt) = l.begin_login(attacker, "42").await;
            assert!(check.refusal.is_none() && attempt.is_some());
        }
        let (refused, none) = l.begin_login(attacker, "42").await;
        let refused = refused.refusal.unwrap();
        assert!(none.is_none());
        assert_eq!(
            (refused.kind, refused.scope, refused.global),
            (BucketKind::FailedLoginsPerAccount, Scope::Shared, false)
        );
        // Another address gets one guess, then it too is slowed by the account.
        assert!(l.begin_login(second, "42").await.0.refusal.is_none());
        assert!(l.begin_login(second, "42").await.0.refusal.is_some());
        // The owner gets through to the password check, and a success gives the places back:
        // they can log in again at once.
        for _ in 0..3 {
            let (check, attempt) = l.begin_login(owner, "42").await;
            assert!(check.refusal.is_none());
            l.login_succeeded(attempt.unwrap()).await;
        }
        // Two failures more fill the attacker's address, for every account; one interval
        // refills one place.
        for _ in 0..2 {
            assert!(l.begin_login(attacker, "43").await.0.refusal.is_none());
        }
        let refused = l.begin_login(attacker, "44").await.0.refusal.unwrap();
        assert_eq!(refused.kind, BucketKind::FailedLoginsPerAddress);
        assert_eq!(refused.retry_after_us, 60_000_000);
        clock.advance_us(12_000_000);
        assert!(l.begin_login(attacker, "43").await.0.refusal.is_none());
    }

    #[tokio::test]
    async fn the_token_gate_counts_per_address_and_ipv6_per_64() {
        let clock = ManualClock::new(1_700_000_000_000_000);
        let mut config = LimiterConfig::seed_defaults();
        config.token_checks = Quota::new(2, Duration::from_secs(1));
        let l = Limiter::with_clock(config, clock).unwrap();
        let a: IpAddr = "2001:db8:1:2::1".parse().unwrap();
        let same_64: IpAddr = "2001:db8:1:2:ffff::9".parse().unwrap();
        let other_64: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert!(l.check_token_gate(a).await.refusal.is_none());
        assert!(l.check_token_gate(same_64).await.refusal.is_none());
        let refused = l.check_token_gate(a).await.refusal.unwrap();
        assert_eq!((refused.kind, refused.global), (BucketKind::TokenChecks, true));
        assert!(l.check_token_gate(other_64).await.refusal.is_none());
    }
}
