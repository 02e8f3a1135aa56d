//! Prometheus metrics (docs/operations.md#metrics), served on their own listener
//! (`metrics_bind`, off unless set) and never on the API's: what they reveal (traffic by
//! operation, refusals, pool pressure) is for operators, and a separate address keeps it off the
//! public listener even when that one is exposed.
//!
//! Recorded where the work is: requests (by the contract's operationId, status, latency) by the
//! request-log middleware, rate-limit refusals by the bucket that refused, database checkouts
//! by the store, image work by the image workers. Gauges that describe a state (pool
//! connections, queue depth, database and Redis health) are read when `/metrics` is scraped,
//! so no request pays for them.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock};
use std::time::Duration;

use actix_web::{web, HttpResponse};
use prometheus::core::Collector;
use prometheus::{
    Encoder, Histogram, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge,
    IntGaugeVec, Opts, Registry, TextEncoder,
};

use crate::openapi::CONTRACT_JSON;
use crate::routes::API_PREFIXES;
use crate::state::AppState;

/// The `operation` label of a request that matched no route of the contract (404s, 405s, and
/// the documentation pages, which are not operations).
pub const UNROUTED: &str = "unrouted";

/// Latency buckets in seconds: from a cached read to the 5 s bounds (pool, password, image).
const LATENCY_BUCKETS: &[f64] =
    &[0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];

/// Set on a response refused by a rate-limit bucket: the bucket's name for
/// `astral_rate_limit_refusals_total`.
#[derive(Debug, Clone, Copy)]
pub struct RefusedBy(pub &'static str);

pub struct Metrics {
    registry: Registry,
    requests: IntCounterVec,
    latency: HistogramVec,
    refusals: IntCounterVec,
    pool_connections: IntGauge,
    pool_idle: IntGauge,
    pool_size: IntGauge,
    pool_wait: Histogram,
    pool_timeouts: IntCounter,
    image_queue: IntGaugeVec,
    image_work: HistogramVec,
    up: IntGaugeVec,
    token_cache_lookups: IntCounterVec,
    token_cache_drops: IntCounter,
    token_cache_marker_waits: IntCounter,
    token_cache_tokens: IntGauge,
    /// Held while the token cache's counters are brought up to the store's totals, so that two
    /// scrapes at once do not both add the same difference.
    following: std::sync::Mutex<()>,
}

/// `made`, registered in `registry`: each metric is defined and registered in one place, so
/// none can be defined and left out of `/metrics`.
fn registered<C: Collector + Clone + 'static>(
    registry: &Registry,
    made: Result<C, prometheus::Error>,
) -> C {
    let metric = must(made);
    must(registry.register(Box::new(metric.clone())));
    metric
}

fn must<T>(made: Result<T, prometheus::Error>) -> T {
    // Every name, label and bucket list below is a constant; the only failure `new`/`register`
    // can have is a programming error in them, which the metrics tests would show at once.
    made.unwrap_or_else(|e| unreachable!("invalid metric definition: {e}"))
}

impl Metrics {
    pub fn new() -> Metrics {
        let registry = Registry::new();
        let requests = registered(
            &registry,
            IntCounterVec::new(
                Opts::new(
                    "astral_http_requests_total",
                    "Requests answered, by operation and status.",
                ),
                &["operation", "status"],
            ),
        );
        let latency = registered(
            &registry,
            HistogramVec::new(
                HistogramOpts::new(
                    "astral_http_request_duration_seconds",
                    "Time from the request's arrival to its answer, by operation.",
                )
                .buckets(LATENCY_BUCKETS.to_vec()),
                &["operation"],
            ),
        );
        let refusals = registered(
            &registry,
            IntCounterVec::new(
                Opts::new(
                    "astral_rate_limit_refusals_total",
                    "429 answers, by the bucket that refused (docs/rate-limits.md).",
                ),
                &["bucket"],
            ),
        );
        let pool_connections = registered(
            &registry,
            IntGauge::new(
                "astral_db_pool_connections",
                "Open database connections (in use and idle).",
            ),
        );
        let pool_idle = registered(
            &registry,
            IntGauge::new("astral_db_pool_idle_connections", "Idle database connections."),
        );
        let pool_size = registered(
            &registry,
            IntGauge::new("astral_db_pool_max_connections", "The pool's size (db_pool_size)."),
        );
        let pool_wait = registered(
            &registry,
            Histogram::with_opts(
                HistogramOpts::new(
                    "astral_db_pool_wait_seconds",
                    "Time spent waiting to check a database connection out of the pool.",
                )
                .buckets(LATENCY_BUCKETS.to_vec()),
            ),
        );
        let pool_timeouts = registered(
            &registry,
            IntCounter::new(
                "astral_db_pool_checkout_failures_total",
                "Checkouts that got no connection (pool timeout or database down): each a 503.",
            ),
        );
        let image_queue = registered(
            &registry,
            IntGaugeVec::new(
                Opts::new(
                    "astral_image_jobs",
                    "Image jobs by lane (`image`: decode and render, `media-io`: files) and state \
                     (`queued`: waiting for a thread, `running`).",
                ),
                &["lane", "state"],
            ),
        );
        let image_work = registered(
            &registry,
            HistogramVec::new(
                HistogramOpts::new(
                    "astral_image_job_seconds",
                    "Image jobs: time waiting for a thread (`phase=\"queue\"`) and running \
                     (`phase=\"work\"`), by lane.",
                )
                .buckets(LATENCY_BUCKETS.to_vec()),
                &["lane", "phase"],
            ),
        );
        let up = registered(
            &registry,
            IntGaugeVec::new(
                Opts::new(
                    "astral_dependency_up",
                    "1 when a dependency answered a round trip at the last scrape, else 0 \
                     (`database`; `redis` only when rate limits are kept there).",
                ),
                &["dependency"],
            ),
        );
        let token_cache_lookups = registered(
            &registry,
            IntCounterVec::new(
                Opts::new(
                    "astral_token_cache_lookups_total",
                    "Token lookups by the token cache's answer: `hit` (from memory) or `miss` \
                     (read from the database) (docs/performance.md#the-token-cache).",
                ),
                &["result"],
            ),
        );
        let token_cache_drops = registered(
            &registry,
            IntCounter::new(
                "astral_token_cache_drops_total",
                "Times the whole token cache was dropped: its change feed lost or behind, or a \
                 write's marker not seen in time.",
            ),
        );
        let token_cache_marker_waits = registered(
            &registry,
            IntCounter::new(
                "astral_token_cache_marker_waits_total",
                "Writes that waited for their marker on the change feed (PostgreSQL: writes \
                 outside a transaction that lists the users it changed).",
            ),
        );
        let token_cache_tokens = registered(
            &registry,
            IntGauge::new("astral_token_cache_tokens", "Tokens the token cache holds."),
        );
        Metrics {
            registry,
            requests,
            latency,
            refusals,
            pool_connections,
            pool_idle,
            pool_size,
            pool_wait,
            pool_timeouts,
            image_queue,
            image_work,
            up,
            token_cache_lookups,
            token_cache_drops,
            token_cache_marker_waits,
            token_cache_tokens,
            following: std::sync::Mutex::new(()),
        }
    }

    /// One answered request. `method` and `pattern` are the request's and its matched route's
    /// (actix's pattern, with the version prefix); `None` for no route.
    pub fn record_request(
        &self,
        method: &str,
        pattern: Option<&str>,
        status: u16,
        latency: Duration,
        refused_by: Option<RefusedBy>,
    ) {
        let operation = operation_id(method, pattern);
        // The code's digits without a new string (every status actix answers is a valid code).
        let code = actix_web::http::StatusCode::from_u16(status);
        let status = code.as_ref().map_or("invalid", |code| code.as_str());
        self.requests.with_label_values(&[operation, status]).inc();
        self.latency.with_label_values(&[operation]).observe(latency.as_secs_f64());
        if let Some(RefusedBy(bucket)) = refused_by {
            self.refusals.with_label_values(&[bucket]).inc();
        }
    }

    /// Hooks the store's checkouts and the image workers' jobs into the histograms.
    pub fn observe(
        self: &Arc<Self>,
        store: &astral_store::Store,
        images: &astral_media::ImageWorkers,
    ) {
        let this = Arc::clone(self);
        store.observe_checkouts(Arc::new(move |waited, ok| {
            this.pool_wait.observe(waited.as_secs_f64());
            if !ok {
                this.pool_timeouts.inc();
            }
        }));
        let this = Arc::clone(self);
        images.observe_jobs(Arc::new(move |lane, phase, took| {
            this.image_work.with_label_values(&[lane, phase]).observe(took.as_secs_f64());
        }));
    }

    /// The text exposition, after reading the gauges.
    pub async fn render(&self, state: &AppState) -> String {
        let pool = state.store.pool_state();
        self.pool_connections.set(i64::from(pool.connections));
        self.pool_idle.set(i64::from(pool.idle_connections));
        self.pool_size.set(i64::from(pool.max_size));
        for lane in state.images.lanes() {
            self.image_queue.with_label_values(&[lane.name, "queued"]).set(lane.queued as i64);
            self.image_queue.with_label_values(&[lane.name, "running"]).set(lane.running as i64);
        }
        if let Some(cache) = state.store.token_cache_stats() {
            // The store counts; the counters here follow its totals. A poisoned lock only
            // means another scrape panicked: the counters are still whole numbers.
            let _following = self.following.lock().unwrap_or_else(|e| e.into_inner());
            let follow = |counter: &IntCounter, total: u64| {
                counter.inc_by(total.saturating_sub(counter.get()));
            };
            follow(&self.token_cache_lookups.with_label_values(&["hit"]), cache.hits);
            follow(&self.token_cache_lookups.with_label_values(&["miss"]), cache.misses);
            follow(&self.token_cache_drops, cache.drops);
            follow(&self.token_cache_marker_waits, cache.marker_waits);
            self.token_cache_tokens.set(i64::try_from(cache.tokens).unwrap_or(i64::MAX));
        }
        let database_up = matches!(state.db(|store| store.ping()).await, Ok(Ok(())));
        self.up.with_label_values(&["database"]).set(i64::from(database_up));
        if let Some(limiter) = &state.limiter {
            if let Some(redis_up) = limiter.ping_redis().await {
                self.up.with_label_values(&["redis"]).set(i64::from(redis_up));
            }
        }
        let mut out = Vec::new();
        // Writing text into a Vec fails only on invalid metric families, which `new` rules out.
        let _ = TextEncoder::new().encode(&self.registry.gather(), &mut out);
        String::from_utf8_lossy(&out).into_owned()
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

/// Path template without version prefix → method → operationId, from the contract: the label
/// is the contract's name for the operation, whatever prefix or spelling reached it. Keyed by
/// `String`s looked up with `&str`, so a request's lookup allocates nothing.
static OPERATIONS: LazyLock<HashMap<String, HashMap<String, &'static str>>> = LazyLock::new(|| {
    let mut map = HashMap::new();
    // Parsed here and dropped: nothing else needs the parsed document at run time. It is
    // checked into the repository and parsed by the tests and by spec-check, so a parse
    // failure here would already have failed CI.
    let contract: serde_json::Value = serde_json::from_str(CONTRACT_JSON).unwrap_or_else(|e| {
        tracing::error!(error = %e, "openapi/astral.json is not valid JSON");
        serde_json::Value::Null
    });
    let Some(paths) = contract.get("paths").and_then(|p| p.as_object()) else {
        return map;
    };
    for (path, item) in paths {
        let Some(item) = item.as_object() else { continue };
        for (method, operation) in item {
            if let Some(id) = operation.get("operationId").and_then(|v| v.as_str()) {
                // Leaked once per operation at start: the labels live as long as the process.
                let id: &'static str = Box::leak(id.to_owned().into_boxed_str());
                map.entry(path.clone())
                    .or_insert_with(HashMap::new)
                    .insert(method.to_ascii_uppercase(), id);
            }
        }
    }
    map
});

/// The contract's operationId for a request, or [`UNROUTED`].
pub fn operation_id(method: &str, pattern: Option<&str>) -> &'static str {
    let Some(pattern) = pattern else {
        return UNROUTED;
    };
    let path = API_PREFIXES
        .iter()
        .find_map(|prefix| pattern.strip_prefix(prefix).filter(|rest| rest.starts_with('/')))
        .unwrap_or(pattern);
    // A HEAD is served as the GET it stands for (crate::methods).
    let method = if method == "HEAD" { "GET" } else { method };
    OPERATIONS.get(path).and_then(|methods| methods.get(method)).copied().unwrap_or(UNROUTED)
}

/// `GET /metrics` on the metrics listener.
async fn metrics_page(state: web::Data<AppState>) -> HttpResponse {
    let body = state.metrics.render(&state).await;
    HttpResponse::Ok().content_type(prometheus::TEXT_FORMAT).body(body)
}

/// The metrics listener's whole application: `/metrics`, and 404 for anything else.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/metrics", web::get().to(metrics_page));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operations_are_named_as_in_the_contract() {
        assert_eq!(operation_id("GET", Some("/api/v10/users/@me")), "get_my_user");
        assert_eq!(operation_id("HEAD", Some("/api/v9/users/@me")), "get_my_user");
        assert_eq!(operation_id("PATCH", Some("/api/v1/users/@me")), "update_my_user");
        assert_eq!(operation_id("GET", Some("/api/v10/users/{user_id}")), "get_user");
        assert_eq!(operation_id("GET", Some("/healthz")), "get_health");
        assert_eq!(operation_id("GET", Some("/readyz")), "get_readiness");
        assert_eq!(operation_id("GET", None), UNROUTED);
        assert_eq!(operation_id("DELETE", Some("/api/v10/users/@me")), UNROUTED);
        assert_eq!(operation_id("GET", Some("/docs/{_:.*}")), UNROUTED);
    }

    #[test]
    fn the_definitions_are_valid() {
        let metrics = Metrics::new();
        metrics.record_request("GET", Some("/healthz"), 200, Duration::from_millis(3), None);
        let families = metrics.registry.gather();
        assert!(families.iter().any(|f| f.name() == "astral_http_requests_total"));
    }
}
