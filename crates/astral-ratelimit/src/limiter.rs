//! Which buckets a request falls in, and what to tell the client.
//!
//! - authenticated requests: the **global** bucket of their token (seed: 5/s, burst 10);
//! - requests without `Authorization`: the **unauthenticated** bucket of their IP (this covers
//!   `/auth/register` and `/auth/login`, slowing password guessing);
//! - on top, a **route** bucket where one is configured (seed: `PATCH /users/@me` 1 per 10 s,
//!   `GET /users/@me/relationships` 3/s), for the same token or IP;
//! - the **invalid-request** bucket of the IP counts 401, 403 and 429 answers; while it is
//!   full, every request from that IP is refused.
//!
//! Tokens are never used as keys as they are: a key holds the SHA-256 of the token.

use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use sha2::{Digest, Sha256};

use crate::{Bucket, Decision, MemoryStore, Quota, RedisStore, SystemClock};

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

    pub fn configured_store(&self) -> StoreKind {
        if self.redis.is_some() {
            StoreKind::Redis
        } else {
            StoreKind::Memory
        }
    }

    /// Checks (and, if admitted, charges) a request. `authorization` is the raw header value.
    pub async fn check(
        &self,
        method: &str,
        path: &str,
        authorization: Option<&str>,
        ip: IpAddr,
    ) -> Check {
        let ip_subject = format!("ip:{ip}");
        let (primary_name, primary_kind, subject, primary_quota) = match authorization {
            Some(token) => (
                "global",
                BucketKind::Global,
                format!("t:{}", hash(token)),
                self.config.global,
            ),
            None => (
                "unauthenticated",
                BucketKind::Unauthenticated,
                ip_subject.clone(),
                self.config.unauthenticated,
            ),
        };
        // One store operation: the IP's invalid-request bucket is looked at (a full one
        // refuses), the request's own buckets are charged.
        let mut buckets = vec![
            Bucket {
                key: self.key("invalid", &ip_subject),
                quota: self.config.invalid_requests,
                charge: false,
            },
            Bucket {
                key: self.key(primary_name, &subject),
                quota: primary_quota,
                charge: true,
            },
        ];
        let mut names = vec![
            ("invalid", BucketKind::InvalidRequests),
            (primary_name, primary_kind),
        ];
        if let Some(route) = self
            .config
            .routes
            .iter()
            .find(|r| r.method == method && r.path == path)
        {
            buckets.push(Bucket {
                key: self.key(route.name, &subject),
                quota: route.quota,
                charge: true,
            });
            names.push((route.name, BucketKind::Route));
        }
        let (decisions, now_us) = self.run(&buckets).await;
        // An IP over the invalid-request limit is refused first, whatever else has room.
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
            scope: if kind == BucketKind::Route {
                Scope::User
            } else {
                Scope::Global
            },
            global: kind != BucketKind::Route,
            retry_after_us: d.retry_after_us,
        });
        // The headers describe the invalid-request bucket when it refused, otherwise the
        // route's own bucket where there is one, otherwise the global (or per-IP) one.
        let shown = if !invalid.admitted {
            0
        } else {
            decisions.len() - 1
        };
        Check {
            decision: decisions[shown],
            bucket_id: bucket_id(names[shown].0),
            now_us,
            refusal,
        }
    }

    /// Counts an invalid answer (401, 403, or a 429 not caused by the invalid-request limit
    /// itself) against the IP.
    pub async fn record_invalid(&self, ip: IpAddr) {
        let bucket = Bucket {
            key: self.key("invalid", &format!("ip:{ip}")),
            quota: self.config.invalid_requests,
            charge: true,
        };
        self.run(&[bucket]).await;
    }

    fn key(&self, bucket: &str, subject: &str) -> String {
        format!("{}:rl:{bucket}:{subject}", self.config.namespace)
    }

    /// Redis when configured and healthy, the memory store otherwise (fail-open: a Redis
    /// outage never stops the service; limits then hold per instance).
    async fn run(&self, buckets: &[Bucket]) -> (Vec<Decision>, u64) {
        let now = self.memory.now_us();
        if let Some(redis) = &self.redis {
            if now >= self.redis_retry_at_us.load(Ordering::Relaxed) {
                match redis.check(buckets).await {
                    Ok(decisions) => {
                        // Report times on the local clock: Redis's may be skewed.
                        return (decisions, now);
                    }
                    Err(e) => {
                        self.redis_failures.fetch_add(1, Ordering::Relaxed);
                        self.redis_retry_at_us
                            .store(now + REDIS_BACKOFF_US, Ordering::Relaxed);
                        let mut last = self
                            .last_failure_logged_us
                            .lock()
                            .unwrap_or_else(|e| e.into_inner());
                        if now.saturating_sub(*last) >= 10_000_000 {
                            *last = now;
                            tracing::warn!(error = %e, failures = self.redis_failures(), "Redis rate-limit store failed; limiting in process until it answers again");
                        }
                    }
                }
            }
        }
        (self.memory.check(buckets), now)
    }
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

    fn limiter(clock: Arc<ManualClock>) -> Limiter {
        Limiter::with_clock(LimiterConfig::seed_defaults(), clock).unwrap()
    }

    #[tokio::test]
    async fn route_bucket_refuses_without_charging_the_global_one() {
        let clock = ManualClock::new(1_700_000_000_000_000);
        let l = limiter(clock.clone());
        let ip: IpAddr = "127.0.0.1".parse().unwrap();
        let first = l.check("PATCH", "/users/@me", Some("Bot t"), ip).await;
        assert!(first.refusal.is_none());
        assert_eq!((first.decision.limit, first.decision.remaining), (1, 0));
        assert_eq!(first.bucket_id, bucket_id("update_my_user"));
        let second = l.check("PATCH", "/users/@me", Some("Bot t"), ip).await;
        let refusal = second.refusal.unwrap();
        assert_eq!(
            (refusal.scope, refusal.global, refusal.retry_after_us),
            (Scope::User, false, 10_000_000)
        );
        // The refused PATCH did not use the global bucket: 9 of 10 are left after the first.
        let get = l.check("GET", "/users/@me", Some("Bot t"), ip).await;
        assert_eq!((get.decision.limit, get.decision.remaining), (10, 8));
    }

    #[tokio::test]
    async fn tokens_and_ips_have_their_own_buckets() {
        let clock = ManualClock::new(1_700_000_000_000_000);
        let l = limiter(clock);
        let ip: IpAddr = "10.0.0.1".parse().unwrap();
        for _ in 0..10 {
            assert!(l
                .check("GET", "/users/@me", Some("Bot a"), ip)
                .await
                .refusal
                .is_none());
        }
        let refused = l
            .check("GET", "/users/@me", Some("Bot a"), ip)
            .await
            .refusal
            .unwrap();
        assert_eq!((refused.scope, refused.global), (Scope::Global, true));
        assert!(l
            .check("GET", "/users/@me", Some("Bot b"), ip)
            .await
            .refusal
            .is_none());
        assert!(l
            .check("POST", "/auth/login", None, ip)
            .await
            .refusal
            .is_none());
    }
}
