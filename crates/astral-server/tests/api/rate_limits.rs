//! Rate limiting over HTTP: exact admission counts under concurrency (with a frozen clock),
//! a herd of waiters that all fit after `retry_after`, Discord's headers and 429 body, the
//! per-route, per-IP and invalid-request buckets, limits off, and the Redis store shared by two
//! instances (the same numbers as in process), including a Redis outage.

use std::sync::Arc;

use astral_ratelimit::{LimiterConfig, ManualClock};
use reqwest::header::HeaderMap;
use serde_json::{json, Value};

use crate::support::{assert_documented, backend_db_test, bot, TestApp, TestDb, TestOptions};

/// 2023-11-14T22:13:20Z, so `X-RateLimit-Reset` can be checked to the digit.
const T0_US: u64 = 1_700_000_000_000_000;

fn limits(edit: impl FnOnce(&mut LimiterConfig)) -> LimiterConfig {
    let mut config = LimiterConfig::seed_defaults();
    edit(&mut config);
    config
}

async fn frozen_app(db: TestDb, config: LimiterConfig) -> (TestApp, Arc<ManualClock>) {
    let clock = ManualClock::new(T0_US);
    let options = TestOptions {
        rate_limits: Some(config),
        clock: Some(clock.clone()),
        ..TestOptions::default()
    };
    (TestApp::start_with(db, options).await, clock)
}

async fn get(app: &TestApp, path: &str, auth: Option<&str>) -> (u16, HeaderMap, Value) {
    let mut req = app.http.get(format!("{}{path}", app.api("v10")));
    if let Some(a) = auth {
        req = req.header("Authorization", a);
    }
    let r = req.send().await.unwrap();
    let status = r.status().as_u16();
    let headers = r.headers().clone();
    (status, headers, r.json().await.unwrap_or(Value::Null))
}

fn h<'a>(headers: &'a HeaderMap, name: &str) -> &'a str {
    headers
        .get(name)
        .map(|v| v.to_str().unwrap())
        .unwrap_or_else(|| panic!("no {name} header in {headers:?}"))
}

/// Registers without using the limited API (the store directly would bypass the contract, so
/// this goes through a second, unlimited instance on the same database).
async fn user_token(app: &TestApp, name: &str) -> String {
    let helper = app.another_instance(TestOptions::default()).await;
    helper.register(name).await.0
}

async fn fifty_concurrent_requests_admit_exactly_the_burst(db: TestDb) {
    let (app, clock) = frozen_app(db, LimiterConfig::seed_defaults()).await;
    let token = bot(&user_token(&app, "burster").await);
    let requests = (0..50).map(|_| get(&app, "/users/@me", Some(&token)));
    let answers = futures_util::future::join_all(requests).await;
    let admitted = answers.iter().filter(|(s, _, _)| *s == 200).count();
    let refused: Vec<_> = answers.iter().filter(|(s, _, _)| *s == 429).collect();
    assert_eq!(
        (admitted, refused.len()),
        (10, 40),
        "{:?}",
        answers.iter().map(|a| a.0).collect::<Vec<_>>()
    );
    for (status, headers, body) in &refused {
        // The wait until the bucket is full again (10 × 200 ms), as Reset-After says.
        assert_eq!(
            body,
            &json!({"message": "You are being rate limited.", "retry_after": 2.0, "global": true, "code": 0})
        );
        assert_eq!(h(headers, "retry-after"), "2");
        assert_eq!(h(headers, "x-ratelimit-reset-after"), "2.000");
        assert_eq!(h(headers, "x-ratelimit-reset"), "1700000002.000");
        assert_eq!(h(headers, "x-ratelimit-scope"), "global");
        assert_eq!(h(headers, "x-ratelimit-global"), "true");
        // discord.py takes a 429 without `Via` for a Cloudflare ban and gives up (compat suite).
        assert_eq!(h(headers, "via"), "1.1 astral");
        assert_eq!(h(headers, "x-ratelimit-remaining"), "0");
        assert_documented("GET", "/users/@me", *status, body);
    }
    // The 40 refusals charged nothing: one interval later exactly one more gets in (GCRA
    // admits as it refills), and the next refusal again names the moment the bucket is full.
    clock.advance_us(200_000);
    let (first, _, _) = get(&app, "/users/@me", Some(&token)).await;
    let (second, _, body) = get(&app, "/users/@me", Some(&token)).await;
    assert_eq!((first, second, body["retry_after"].as_f64()), (200, 429, Some(2.0)));
}

/// Discord's libraries wait `retry_after` and then expect the bucket to be available, as on
/// Discord; many requests that waited together wake together. With `retry_after` the time
/// until the bucket is full, each wave of waiters finds the whole burst: a herd of 24 meets
/// exactly 14 + 4 refusals, and no request more than two.
async fn a_herd_that_waits_retry_after_finds_the_whole_burst(db: TestDb) {
    let (app, clock) = frozen_app(db, LimiterConfig::seed_defaults()).await;
    let token = bot(&user_token(&app, "herd").await);
    let mut waiting = 24;
    let mut refusals = Vec::new();
    for wave in 0..3 {
        let answers = futures_util::future::join_all(
            (0..waiting).map(|_| get(&app, "/users/@me", Some(&token))),
        )
        .await;
        let refused: Vec<_> = answers.iter().filter(|(s, _, _)| *s == 429).collect();
        assert_eq!(
            answers.len() - refused.len(),
            waiting.min(10),
            "wave {wave}: {:?}",
            answers.iter().map(|a| a.0).collect::<Vec<_>>()
        );
        let waits: Vec<_> =
            refused.iter().map(|(_, _, body)| body["retry_after"].as_f64().unwrap()).collect();
        // Every waiter of a wave is told the same moment: when the burst is back.
        assert!(waits.iter().all(|w| *w == 2.0), "wave {wave}: {waits:?}");
        refusals.push(refused.len());
        waiting = refused.len();
        clock.advance_us(2_000_000);
    }
    assert_eq!(refusals, vec![14, 4, 0]);
}

backend_db_test!(
    a_herd_that_waits_retry_after_finds_the_whole_burst,
    a_herd_that_waits_retry_after_finds_the_whole_burst
);

backend_db_test!(
    fifty_concurrent_requests_admit_exactly_the_burst,
    fifty_concurrent_requests_admit_exactly_the_burst
);

#[actix_web::test]
async fn headers_describe_the_routes_bucket_exactly() {
    let (app, clock) = frozen_app(TestDb::sqlite(), LimiterConfig::seed_defaults()).await;
    let token = bot(&user_token(&app, "counter").await);

    let (status, headers, _) = get(&app, "/users/@me", Some(&token)).await;
    assert_eq!(status, 200);
    assert_eq!(h(&headers, "x-ratelimit-limit"), "10");
    assert_eq!(h(&headers, "x-ratelimit-remaining"), "9");
    assert_eq!(h(&headers, "x-ratelimit-reset-after"), "0.200");
    assert_eq!(h(&headers, "x-ratelimit-reset"), "1700000000.200");
    let global_bucket = h(&headers, "x-ratelimit-bucket").to_owned();
    assert!(global_bucket.len() == 32 && global_bucket.bytes().all(|b| b.is_ascii_hexdigit()));
    assert!(headers.get("x-ratelimit-scope").is_none() && headers.get("retry-after").is_none());

    // 4xx answers carry the headers too, and use the same bucket.
    let (status, headers, _) = get(&app, "/users/1", Some(&token)).await;
    assert_eq!(status, 404);
    assert_eq!(
        (h(&headers, "x-ratelimit-remaining"), h(&headers, "x-ratelimit-bucket")),
        ("8", global_bucket.as_str())
    );

    // Time refills the bucket one interval at a time.
    clock.advance_us(300_000);
    let (_, headers, _) = get(&app, "/users/@me", Some(&token)).await;
    assert_eq!(
        (h(&headers, "x-ratelimit-remaining"), h(&headers, "x-ratelimit-reset-after")),
        ("8", "0.300")
    );

    // PATCH /users/@me has its own bucket: 1 per 10 s.
    let patch = |name: &'static str| set_global_name(&app, &token, name);
    let first = patch("One").await.unwrap();
    assert_eq!(first.status(), 200);
    assert_eq!(first.headers()["x-ratelimit-limit"], "1");
    assert_eq!(first.headers()["x-ratelimit-remaining"], "0");
    assert_eq!(first.headers()["x-ratelimit-reset-after"], "10.000");
    assert_ne!(first.headers()["x-ratelimit-bucket"].to_str().unwrap(), global_bucket);
    clock.advance_us(4_000_000);
    let second = patch("Two").await.unwrap();
    assert_eq!(second.status(), 429);
    assert_eq!(second.headers()["x-ratelimit-scope"], "user");
    assert!(second.headers().get("x-ratelimit-global").is_none());
    assert_eq!(second.headers()["retry-after"], "6");
    assert_eq!(second.headers()["via"], "1.1 astral");
    let body: Value = second.json().await.unwrap();
    assert_eq!(
        body,
        json!({"message": "You are being rate limited.", "retry_after": 6.0, "global": false, "code": 0})
    );
    assert_documented("PATCH", "/users/@me", 429, &body);
    // The refused PATCH changed nothing and did not touch the global bucket.
    let (_, headers, me) = get(&app, "/users/@me", Some(&token)).await;
    assert_eq!(me["global_name"], "One");
    assert_eq!(h(&headers, "x-ratelimit-remaining"), "9");
    clock.advance_us(6_000_000);
    assert_eq!(patch("Three").await.unwrap().status(), 200);
}

/// `PATCH /users/@me` setting `global_name`, for the route's own bucket (1 per 10 s).
async fn set_global_name(
    app: &TestApp,
    token: &str,
    name: &str,
) -> reqwest::Result<reqwest::Response> {
    app.http
        .patch(format!("{}/users/@me", app.api("v10")))
        .header("Authorization", token)
        .json(&json!({"global_name": name}))
        .send()
        .await
}

/// Clients such as twilight wait exactly `X-RateLimit-Reset-After` after a 429 before they
/// retry, so it (like `retry_after`) is rounded up to the millisecond: waiting it always
/// suffices, even when the bucket refills off the millisecond grid.
async fn waiting_reset_after_always_suffices(db: TestDb) {
    let (app, clock) = frozen_app(db, LimiterConfig::seed_defaults()).await;
    let token = bot(&user_token(&app, "patient").await);
    let patch = |name: &'static str| set_global_name(&app, &token, name);
    assert_eq!(patch("One").await.unwrap().status(), 200);
    // The bucket is full again 5.9994 s from now.
    clock.advance_us(4_000_600);
    let refused = patch("Two").await.unwrap();
    assert_eq!(refused.status(), 429);
    let reset_after = refused.headers()["x-ratelimit-reset-after"].to_str().unwrap().to_owned();
    assert_eq!(reset_after, "6.000");
    assert_eq!(refused.headers()["x-ratelimit-reset"], "1700000010.000");
    let body: Value = refused.json().await.unwrap();
    assert_eq!(body["retry_after"], 6.0);

    let wait_us = (reset_after.parse::<f64>().unwrap() * 1e6).round() as u64;
    clock.advance_us(wait_us);
    assert_eq!(patch("Three").await.unwrap().status(), 200);
}

backend_db_test!(waiting_reset_after_always_suffices, waiting_reset_after_always_suffices);

#[actix_web::test]
async fn unauthenticated_requests_are_limited_per_ip() {
    let config = limits(|c| c.unauthenticated = "2/60s".parse().unwrap());
    let (app, clock) = frozen_app(TestDb::sqlite(), config).await;
    let login = || {
        app.anonymous()
            .post("/auth/login")
            .json(json!({"login": "nobody", "password": "guessing-1"}))
            .call()
    };
    assert_eq!(login().await.0, 400);
    assert_eq!(login().await.0, 400);
    let (status, body) = login().await;
    assert_eq!(status, 429);
    // Until the bucket is full again: both slots back after 60 s.
    assert_eq!((body["global"].as_bool(), body["retry_after"].as_f64()), (Some(true), Some(60.0)));
    clock.advance_us(60_000_000);
    assert_eq!(login().await.0, 400);
    assert_eq!(login().await.0, 400);
    assert_eq!(login().await.0, 429);
}

/// 401, 403 and 429 answers fill the invalid-request bucket of whoever they are charged to
/// (here the address: the forged token does not authenticate); while it is full, every request
/// of that address is refused until the window passes. A token that authenticates is its own
/// subject and is not refused by the address's lock-out (issue 14, attack 9).
#[actix_web::test]
async fn invalid_requests_lock_the_ip_out_until_the_window_passes() {
    let config = limits(|c| c.invalid_requests = "3/60s".parse().unwrap());
    let (app, clock) = frozen_app(TestDb::sqlite(), config).await;
    let token = bot(&user_token(&app, "honest").await);
    for _ in 0..3 {
        assert_eq!(get(&app, "/users/@me", Some("Bot forged.token.value")).await.0, 401);
    }
    // Now every request of this address without a valid token is refused, until the window
    // has passed.
    for auth in [Some("Bot forged.token.value"), None] {
        let (status, headers, body) = get(&app, "/users/@me", auth).await;
        assert_eq!(status, 429);
        assert_eq!(
            (
                h(&headers, "x-ratelimit-scope"),
                body["global"].as_bool(),
                body["retry_after"].as_f64()
            ),
            ("global", Some(true), Some(60.0))
        );
    }
    // The valid token is not refused by it.
    assert_eq!(get(&app, "/users/@me", Some(&token)).await.0, 200);
    // Those refusals do not extend the lock-out.
    for _ in 0..5 {
        get(&app, "/users/@me", None).await;
    }
    clock.advance_us(60_000_000);
    assert_eq!(get(&app, "/users/@me", None).await.0, 401);
}

#[actix_web::test]
async fn limits_off_sends_no_headers_and_root_routes_are_never_limited() {
    let app = TestApp::start(TestDb::sqlite()).await;
    let (token, _) = app.register("free").await;
    for _ in 0..30 {
        let (status, headers, _) = get(&app, "/users/@me", Some(&bot(&token))).await;
        assert_eq!(status, 200);
        assert!(headers.get("x-ratelimit-limit").is_none());
    }
    let health = app.health().await;
    assert_eq!(health["rate_limits"], "off");

    let (limited, _) = frozen_app(TestDb::sqlite(), LimiterConfig::seed_defaults()).await;
    for _ in 0..20 {
        let r = limited.http.get(format!("{}/healthz", limited.root)).send().await.unwrap();
        assert_eq!(r.status(), 200);
        assert!(r.headers().get("x-ratelimit-limit").is_none());
    }
    let health = limited.health().await;
    assert_eq!(
        (health["rate_limits"].as_str(), health["rate_limit_store_failures"].as_i64()),
        (Some("memory"), Some(0))
    );
}

// ---- Redis -------------------------------------------------------------------------------

pub(crate) fn redis_url() -> String {
    let url = std::env::var("ASTRAL_TEST_REDIS_URL").unwrap_or_default();
    assert!(
        !url.is_empty(),
        "ASTRAL_TEST_REDIS_URL is not set, but Redis tests were requested (CI=true)"
    );
    url
}

fn redis_limits(url: &str, namespace: &str, global: &str) -> LimiterConfig {
    limits(|c| {
        c.redis_url = Some(url.to_owned());
        c.namespace = namespace.to_owned();
        c.global = global.parse().unwrap();
    })
}

pub(crate) fn namespace() -> String {
    format!("astral-test-{:016x}", rand_u64())
}

fn rand_u64() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos(),
    );
    h.finish()
}

async fn two_instances(db: TestDb, url: &str, ns: &str, global: &str) -> (TestApp, TestApp) {
    let options = || TestOptions {
        rate_limits: Some(redis_limits(url, ns, global)),
        ..TestOptions::default()
    };
    let a = TestApp::start_with(db, options()).await;
    let b = a.another_instance(options()).await;
    (a, b)
}

#[actix_web::test]
#[cfg_attr(not(astral_redis_tests), ignore = "set ASTRAL_TEST_REDIS_URL to run against Redis")]
async fn two_instances_share_one_budget_through_redis() {
    let url = redis_url();
    let (a, b) = two_instances(TestDb::sqlite(), &url, &namespace(), "10/60s").await;
    let token = bot(&user_token(&a, "shared").await);
    let mut admitted = 0;
    for i in 0..14 {
        let app = if i % 2 == 0 { &a } else { &b };
        let (status, headers, body) = get(app, "/users/@me", Some(&token)).await;
        if status == 200 {
            admitted += 1;
            assert_eq!(h(&headers, "x-ratelimit-remaining"), (10 - admitted).to_string());
        } else {
            assert_eq!(status, 429);
            // The Lua script's numbers give the same answer as the memory store: the wait
            // until the bucket is full again (60 s after the first request, less the few
            // milliseconds Redis's clock has moved since), equal to Reset-After.
            let retry_after = body["retry_after"].as_f64().unwrap();
            assert!(retry_after > 59.0 && retry_after <= 60.0, "{retry_after}");
            assert_eq!(h(&headers, "x-ratelimit-reset-after").parse::<f64>().unwrap(), retry_after);
            assert_eq!(h(&headers, "retry-after"), "60");
        }
    }
    assert_eq!(admitted, 10);
    let health = a.health().await;
    assert_eq!(
        (health["rate_limits"].as_str(), health["rate_limit_store_failures"].as_i64()),
        (Some("redis"), Some(0))
    );
}

/// A Redis of our own on a free port, so the test can stop and restart it.
struct OwnRedis {
    port: u16,
    child: std::process::Child,
}

impl OwnRedis {
    fn start(port: u16) -> OwnRedis {
        let mut child = std::process::Command::new("redis-server")
            .args([
                "--port",
                &port.to_string(),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ])
            .stdout(std::process::Stdio::null())
            .spawn()
            .expect("redis-server must be installed for the Redis tests");
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return OwnRedis { port, child };
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        let _ = child.kill();
        let _ = child.wait();
        panic!("redis-server did not start on port {port}");
    }
}

impl Drop for OwnRedis {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[actix_web::test]
#[cfg_attr(not(astral_redis_tests), ignore = "set ASTRAL_TEST_REDIS_URL to run against Redis")]
async fn a_redis_outage_fails_open_and_sharing_resumes_when_it_returns() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let redis = OwnRedis::start(port);
    let url = format!("redis://127.0.0.1:{}", redis.port);
    let (a, b) = two_instances(TestDb::sqlite(), &url, &namespace(), "2/60s").await;
    let token = bot(&user_token(&a, "outage").await);
    assert_eq!(get(&a, "/users/@me", Some(&token)).await.0, 200);
    assert_eq!(get(&b, "/users/@me", Some(&token)).await.0, 200);
    assert_eq!(get(&a, "/users/@me", Some(&token)).await.0, 429, "the budget is shared");

    drop(redis);
    // Redis is gone: both instances keep serving, limiting in process (a fresh budget each).
    assert_eq!(get(&a, "/users/@me", Some(&token)).await.0, 200);
    assert_eq!(get(&b, "/users/@me", Some(&token)).await.0, 200);
    let health = a.health().await;
    assert!(health["rate_limit_store_failures"].as_i64().unwrap() >= 1, "{health}");

    // Redis returns (empty: it keeps nothing on disk); after the back-off the instances share
    // one budget again.
    let _redis = OwnRedis::start(port);
    tokio::time::sleep(std::time::Duration::from_millis(1_300)).await;
    let mut statuses = Vec::new();
    for i in 0..6 {
        let app = if i % 2 == 0 { &a } else { &b };
        statuses.push(get(app, "/users/@me", Some(&token)).await.0);
    }
    // One probe per instance may still fail while the connection is remade; after that the
    // shared bucket admits exactly 2.
    let admitted_after_recovery = statuses.iter().skip(2).filter(|s| **s == 200).count();
    assert!(admitted_after_recovery <= 2, "{statuses:?}");
    assert!(statuses.ends_with(&[429, 429]), "{statuses:?}");
}
