//! Issue 14, attacks 1, 2, 3 and 9: whom a request is charged to. Each test performs the
//! attack (bounded, on loopback) and asserts that the limit now holds, with the in-process
//! limiter and with Redis, on SQLite and PostgreSQL. Other client addresses are had by binding
//! the client to 127.0.0.2, 127.0.0.3, … (`local_address`), or through a trusted proxy's
//! `X-Forwarded-For`.

use std::net::IpAddr;
use std::time::{Duration, Instant};

use astral_ratelimit::{LimiterConfig, ManualClock};
use reqwest::header::HeaderMap;
use serde_json::{json, Value};

use crate::rate_limits::{namespace, redis_url};
use crate::support::{bot, header_text, request, TestApp, TestDb, TestOptions};

/// 2023-11-14T22:13:20Z.
const T0_US: u64 = 1_700_000_000_000_000;

/// Where the buckets are kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Buckets {
    /// In process, on a frozen clock (exact counts).
    Memory,
    /// In Redis, on Redis's clock: every period below is long enough not to refill mid-test.
    Redis,
}

/// `<name>::{sqlite,postgres}_{memory,redis}` from `async fn name(db: TestDb, buckets: Buckets)`.
macro_rules! limiter_tests {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            use super::*;

            #[actix_web::test]
            async fn sqlite_memory() {
                super::$name(TestDb::sqlite(), Buckets::Memory).await;
            }

            #[actix_web::test]
            #[cfg_attr(not(astral_pg_tests), ignore = "set ASTRAL_TEST_DATABASE_URL to run on PostgreSQL")]
            async fn postgres_memory() {
                super::$name(TestDb::postgres(), Buckets::Memory).await;
            }

            #[actix_web::test]
            #[cfg_attr(not(astral_redis_tests), ignore = "set ASTRAL_TEST_REDIS_URL to run against Redis")]
            async fn sqlite_redis() {
                super::$name(TestDb::sqlite(), Buckets::Redis).await;
            }

            #[actix_web::test]
            #[cfg_attr(
                not(all(astral_pg_tests, astral_redis_tests)),
                ignore = "set ASTRAL_TEST_DATABASE_URL and ASTRAL_TEST_REDIS_URL"
            )]
            async fn postgres_redis() {
                super::$name(TestDb::postgres(), Buckets::Redis).await;
            }
        }
    )*};
}

limiter_tests!(
    junk_authorization_headers_do_not_escape_the_per_address_limit_on_login_and_register,
    failed_logins_are_slowed_per_address_and_per_account_and_the_owner_still_logs_in,
    one_token_spelled_sixty_ways_has_one_budget,
    percent_encoded_paths_meet_their_routes_bucket,
    junk_tokens_stop_at_the_address_gate_before_any_lookup,
    behind_a_trusted_proxy_one_client_cannot_lock_out_the_others,
);

async fn start(db: TestDb, buckets: Buckets, edit: impl FnOnce(&mut LimiterConfig)) -> TestApp {
    let mut config = LimiterConfig::seed_defaults();
    edit(&mut config);
    let clock = match buckets {
        Buckets::Memory => Some(ManualClock::new(T0_US)),
        Buckets::Redis => {
            config.redis_url = Some(redis_url());
            config.namespace = namespace();
            None
        }
    };
    TestApp::start_with(
        db,
        TestOptions { rate_limits: Some(config), clock, ..TestOptions::default() },
    )
    .await
}

/// A client whose connections come from `local` (127.0.0.2, …: all of 127/8 is loopback).
fn client_from(local: &str) -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(local.parse::<IpAddr>().expect("address"))
        .pool_idle_timeout(Duration::from_secs(2))
        .build()
        .expect("client")
}

struct Answer {
    status: u16,
    headers: HeaderMap,
    body: Value,
}

impl Answer {
    fn header(&self, name: &str) -> &str {
        header_text(&self.headers, name).unwrap_or_default()
    }
}

#[allow(clippy::too_many_arguments)]
async fn send(
    http: &reqwest::Client,
    app: &TestApp,
    method: &str,
    path: &str,
    auth: Option<&str>,
    forwarded_for: Option<&str>,
    body: Option<Value>,
) -> Answer {
    let mut req = request(http, method, format!("{}{path}", app.api("v10")), auth, body);
    if let Some(f) = forwarded_for {
        req = req.header("X-Forwarded-For", f);
    }
    let r = req.send().await.expect("send");
    let status = r.status().as_u16();
    let headers = r.headers().clone();
    let body = r.json().await.unwrap_or(Value::Null);
    Answer { status, headers, body }
}

/// A registered user (through a second, unlimited instance on the same database, so the
/// limited one's budgets are untouched): `(token, user_id)`.
async fn registered(app: &TestApp, name: &str) -> (String, String) {
    let helper = app.another_instance(TestOptions::default()).await;
    helper.register(name).await
}

fn statuses(answers: &[Answer]) -> Vec<u16> {
    answers.iter().map(|a| a.status).collect()
}

fn count(answers: &[Answer], status: u16) -> usize {
    answers.iter().filter(|a| a.status == status).count()
}

/// Attack 1: the per-address limit on `/auth/login` and `/auth/register` was keyed on the raw
/// `Authorization` header, so a junk header of a new spelling per request skipped it (16
/// threads made ~58 password guesses a second against the intended 1/s). Now a token that
/// does not authenticate is charged to the address, like no token at all.
async fn junk_authorization_headers_do_not_escape_the_per_address_limit_on_login_and_register(
    db: TestDb,
    buckets: Buckets,
) {
    let app = start(db, buckets, |c| {
        c.unauthenticated = "5/60s".parse().unwrap();
        // Isolate the per-address request limit from the failed-login buckets.
        c.failed_logins_per_address = "1000/60s".parse().unwrap();
        c.failed_logins_per_account = "1000/60s".parse().unwrap();
        c.invalid_requests = "1000/60s".parse().unwrap();
    })
    .await;
    registered(&app, "target").await;
    let mut answers = Vec::new();
    for i in 0..20 {
        answers.push(
            send(
                &app.http,
                &app,
                "POST",
                "/auth/login",
                Some(&format!("Bot junk.{i}.{}", "x".repeat(i))),
                None,
                Some(json!({"login": "target", "password": format!("guess-{i}")})),
            )
            .await,
        );
    }
    // Before: all 20 guesses were checked (400 each). Now 5, then the address's bucket.
    assert_eq!((count(&answers, 400), count(&answers, 429)), (5, 15), "{:?}", statuses(&answers));
    let refused = &answers[5];
    assert_eq!(
        (
            refused.body["global"].as_bool(),
            refused.header("x-ratelimit-scope"),
            refused.header("x-ratelimit-limit")
        ),
        (Some(true), "global", "5")
    );
    // Register is the same bucket: the junk header buys nothing there either.
    let register = send(
        &app.http,
        &app,
        "POST",
        "/auth/register",
        Some("Bearer another-junk-spelling"),
        None,
        Some(json!({"username": "newcomer", "password": "correct horse battery"})),
    )
    .await;
    assert_eq!(register.status, 429);
    // Another address has its own budget.
    let other = client_from("127.0.0.2");
    let login = send(
        &other,
        &app,
        "POST",
        "/auth/login",
        Some("Bot junk"),
        None,
        Some(json!({"login": "target", "password": "correct horse battery"})),
    )
    .await;
    assert_eq!(login.status, 200, "{}", login.body);
}

/// Failed logins (400 `INVALID_LOGIN`) count: per address and per account. Past a full
/// account, every address gets one attempt per interval of its own bucket; the owner, from
/// their own address, still logs in while attackers hammer the account. Concurrent guesses
/// cannot overshoot: each holds its place before its password is checked.
async fn failed_logins_are_slowed_per_address_and_per_account_and_the_owner_still_logs_in(
    db: TestDb,
    buckets: Buckets,
) {
    let app = start(db, buckets, |c| {
        c.unauthenticated = "1000/60s".parse().unwrap();
        c.failed_logins_per_address = "5/600s".parse().unwrap();
        c.failed_logins_per_account = "4/600s".parse().unwrap();
    })
    .await;
    registered(&app, "victim").await;
    registered(&app, "bystander").await;
    let guess = |password: &str| json!({"login": "VICTIM", "password": password});
    let login_from = |http: &reqwest::Client, body: Value| {
        let http = http.clone();
        let app = &app;
        async move { send(&http, app, "POST", "/auth/login", None, None, Some(body)).await }
    };
    let attacker = app.http.clone(); // 127.0.0.1
    let mut answers = Vec::new();
    for i in 0..10 {
        answers.push(login_from(&attacker, guess(&format!("guess-{i}"))).await);
    }
    // 4 fill the account, the 5th is the address's one attempt past a full account and
    // fills the address; then the address is refused for every account.
    assert_eq!(statuses(&answers), [400, 400, 400, 400, 400, 429, 429, 429, 429, 429]);
    let slowed = &answers[5];
    assert_eq!(
        (
            slowed.header("x-ratelimit-scope"),
            slowed.body["global"].as_bool(),
            slowed.body["retry_after"].as_f64().map(|s| s > 590.0),
            slowed.header("via"),
        ),
        ("user", Some(false), Some(true), "1.1 astral")
    );
    let right_password = |login: &str| json!({"login": login, "password": "correct horse battery"});
    assert_eq!(login_from(&attacker, right_password("bystander")).await.status, 429);

    // Other addresses get one guess each against the full account, then the account's
    // bucket (`shared`) slows them.
    let second = client_from("127.0.0.3");
    for client in [&second, &client_from("127.0.0.4")] {
        let mut answers = Vec::new();
        for i in 0..3 {
            answers.push(login_from(client, guess(&format!("again-{i}"))).await);
        }
        assert_eq!(statuses(&answers), [400, 429, 429]);
        assert_eq!(answers[1].header("x-ratelimit-scope"), "shared");
    }

    // The owner, from their own address, logs in while the account is hammered; a success
    // gives its place back, so they can log in again.
    let owner = client_from("127.0.0.2");
    for _ in 0..3 {
        let login = login_from(&owner, right_password("victim")).await;
        assert_eq!(login.status, 200, "{}", login.body);
        assert!(login.body["token"].as_str().is_some());
    }
    // Other accounts are not slowed by this one (the second address failed once only).
    let bystander = login_from(&second, right_password("bystander")).await;
    assert_eq!(bystander.status, 200, "{}", bystander.body);

    // 20 concurrent guesses from a fresh address: exactly its 5 are checked.
    let concurrent = client_from("127.0.0.6");
    let answers =
        futures_util::future::join_all((0..20).map(|i| {
            login_from(&concurrent, json!({"login": "ghost", "password": format!("p-{i}")}))
        }))
        .await;
    assert_eq!((count(&answers, 400), count(&answers, 429)), (5, 15), "{:?}", statuses(&answers));
}

/// Attack 2: the bucket key was the raw header, so one token spelled 60 ways (random middle
/// part, extra spaces, `BeaRER`, bare) got 60 budgets: 60 × 10 where 10 were allowed. Now the
/// key is the token's id.
async fn one_token_spelled_sixty_ways_has_one_budget(db: TestDb, buckets: Buckets) {
    let app = start(db, buckets, |c| c.global = "10/60s".parse().unwrap()).await;
    let (token, _) = registered(&app, "spelled").await;
    let parts: Vec<&str> = token.split('.').collect();
    let spellings: Vec<String> = (0..60)
        .map(|i| {
            let middle = format!("{}{i}", "Zm9v".repeat(i % 4 + 1));
            let text =
                if i == 0 { token.clone() } else { format!("{}.{middle}.{}", parts[0], parts[2]) };
            match i % 6 {
                0 => format!("Bot {text}"),
                1 => format!("BeaRER {text}"),
                2 => format!("bot    {text}"),
                3 => format!("  Bearer {text}   "),
                4 => text,
                _ => format!("BOT {text}"),
            }
        })
        .collect();
    let mut distinct = spellings.clone();
    distinct.sort();
    distinct.dedup();
    assert_eq!(distinct.len(), 60);
    let mut answers = Vec::new();
    for spelling in &spellings {
        answers.push(send(&app.http, &app, "GET", "/users/@me", Some(spelling), None, None).await);
    }
    assert_eq!((count(&answers, 200), count(&answers, 429)), (10, 50), "{:?}", statuses(&answers));
    assert!(answers[10..]
        .iter()
        .all(|a| a.header("x-ratelimit-scope") == "global" && a.body["global"] == true));
    // Another token of the same user is another budget (Discord's buckets are per token).
    let helper = app.another_instance(TestOptions::default()).await;
    let second = helper.login("spelled", "correct horse battery").await;
    let answer = send(&app.http, &app, "GET", "/users/@me", Some(&bot(&second)), None, None).await;
    assert_eq!(answer.status, 200);
}

/// Attack 3: `PATCH /users/%40me` was routed (decoded) but limited as an unknown path (raw),
/// so the 1-per-10-s bucket of `PATCH /users/@me` became the global 10. Now the bucket is
/// chosen on the path the router matches.
async fn percent_encoded_paths_meet_their_routes_bucket(db: TestDb, buckets: Buckets) {
    let app = start(db, buckets, |c| {
        c.routes[0].quota = "1/60s".parse().unwrap();
        c.routes[1].quota = "2/60s".parse().unwrap();
    })
    .await;
    let (token, _) = registered(&app, "encoder").await;
    let token = bot(&token);
    let patch = |path: &'static str, name: &'static str| {
        let app = &app;
        let token = token.clone();
        async move {
            send(
                &app.http,
                app,
                "PATCH",
                path,
                Some(&token),
                None,
                Some(json!({"global_name": name})),
            )
            .await
        }
    };
    // The encoded spelling is routed to `PATCH /users/@me` and meets its bucket.
    let first = patch("/users/%40me", "One").await;
    assert_eq!(first.status, 200, "{}", first.body);
    assert_eq!(first.body["global_name"], "One");
    assert_eq!(
        (first.header("x-ratelimit-limit"), first.header("x-ratelimit-remaining")),
        ("1", "0")
    );
    for path in ["/users/@me", "/users/%40me", "/users/@%6De", "/users/%40%6d%65"] {
        let refused = patch(path, "Two").await;
        assert_eq!(refused.status, 429, "{path}");
        assert_eq!(
            (refused.header("x-ratelimit-scope"), refused.body["global"].as_bool()),
            ("user", Some(false)),
            "{path}"
        );
    }
    let (_, me) = app.call("GET", "/users/@me", Some(&token), None).await;
    assert_eq!(me["global_name"], "One");
    // The same for the relationships bucket, under another version prefix too.
    let mut answers = Vec::new();
    for path in
        ["/users/@me/relationship%73", "/users/%40me/relationships", "/users/@me/relationships"]
    {
        let r = app
            .http
            .get(format!("{}{path}", app.api("v9")))
            .header("Authorization", &token)
            .send()
            .await
            .unwrap();
        answers.push(r.status().as_u16());
    }
    assert_eq!(answers, [200, 200, 429]);
}

/// The gate before authentication: a presented token costs a hash and a database lookup only
/// while the address's token-check bucket has room; junk tokens beyond it are refused before
/// any of that work. Another address is unaffected.
async fn junk_tokens_stop_at_the_address_gate_before_any_lookup(db: TestDb, buckets: Buckets) {
    let app = start(db, buckets, |c| {
        c.token_checks = "8/60s".parse().unwrap();
        c.unauthenticated = "1000/60s".parse().unwrap();
    })
    .await;
    let (token, _) = registered(&app, "gated").await;
    let mut answers = Vec::new();
    for i in 0..12 {
        answers.push(
            send(
                &app.http,
                &app,
                "GET",
                "/users/@me",
                Some(&format!("Bot MTIz.{i}.forged")),
                None,
                None,
            )
            .await,
        );
    }
    assert_eq!(statuses(&answers), [401, 401, 401, 401, 401, 401, 401, 401, 429, 429, 429, 429]);
    assert_eq!(
        (answers[8].header("x-ratelimit-limit"), answers[8].header("x-ratelimit-scope")),
        ("8", "global")
    );
    // Requests without a token cost no lookup and are not gated.
    let anonymous = send(&app.http, &app, "GET", "/users/@me", None, None, None).await;
    assert_eq!(anonymous.status, 401);
    // A valid token from another address passes its own gate.
    let other = client_from("127.0.0.2");
    let me = send(&other, &app, "GET", "/users/@me", Some(&bot(&token)), None, None).await;
    assert_eq!(me.status, 200);
}

/// Attack 9: behind a reverse proxy every client had the proxy's address, so one client's
/// 10,000 bogus-token requests locked every user behind it out for 10 minutes, valid tokens
/// included. Now `X-Forwarded-For` is believed from trusted proxies (only), each client has
/// its own buckets (IPv6 per /64), and a valid token is never refused for another client's
/// lock-out.
async fn behind_a_trusted_proxy_one_client_cannot_lock_out_the_others(
    db: TestDb,
    buckets: Buckets,
) {
    let app = start(db, buckets, |c| {
        c.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()];
        // 10,000/10 min scaled down, so the attack stays bounded.
        c.invalid_requests = "30/600s".parse().unwrap();
        c.unauthenticated = "10/600s".parse().unwrap();
    })
    .await;
    let (token, _) = registered(&app, "behind").await;
    let proxy = &app.http; // 127.0.0.1: the trusted proxy
    let attacker = Some("203.0.113.66");
    let mut answers = Vec::new();
    for i in 0..40 {
        let auth = format!("Bot MTIz.{i}.bogus");
        answers.push(send(proxy, &app, "GET", "/users/@me", Some(&auth), attacker, None).await);
    }
    // 10 401s fill the attacker's unauthenticated bucket, then 429s; after 30 answers in
    // all its invalid-request bucket is full and it is locked out.
    assert_eq!((count(&answers, 401), count(&answers, 429)), (10, 30), "{:?}", statuses(&answers));
    let locked = send(proxy, &app, "POST", "/auth/login", None, attacker, None).await;
    assert_eq!(locked.status, 429);
    assert_eq!(locked.body["retry_after"].as_f64().map(|s| s > 590.0), Some(true));

    // Another client behind the same proxy: not locked out, its own buckets.
    let neighbour = Some("198.51.100.7");
    let login = send(
        proxy,
        &app,
        "POST",
        "/auth/login",
        None,
        neighbour,
        Some(json!({"login": "behind", "password": "correct horse battery"})),
    )
    .await;
    assert_eq!(login.status, 200, "{}", login.body);
    // A valid token is not refused, even from the locked-out address itself (a NAT).
    let me = send(proxy, &app, "GET", "/users/@me", Some(&bot(&token)), attacker, None).await;
    assert_eq!(me.status, 200);

    // A client that is not a trusted proxy cannot name itself: its `X-Forwarded-For` is
    // ignored and every request is charged to its own address.
    let direct = client_from("127.0.0.5");
    let mut answers = Vec::new();
    for i in 0..12 {
        let claimed = format!("192.0.2.{i}");
        answers.push(
            send(
                &direct,
                &app,
                "POST",
                "/auth/login",
                None,
                Some(&claimed),
                Some(json!({"login": "nobody", "password": "x"})),
            )
            .await,
        );
    }
    assert_eq!((count(&answers, 400), count(&answers, 429)), (10, 2));

    // IPv6 clients are one per /64: rotating the low 64 bits buys nothing.
    let mut answers = Vec::new();
    for i in 0..12 {
        let rotated = format!("2001:db8:aa:bb:{i:x}::{:x}", (i * 7919) % 65536);
        answers.push(
            send(
                proxy,
                &app,
                "POST",
                "/auth/login",
                None,
                Some(&rotated),
                Some(json!({"login": "nobody6", "password": "x"})),
            )
            .await,
        );
    }
    assert_eq!(
        (count(&answers, 400), count(&answers, 429)),
        (10, 2),
        "{:?}",
        answers
            .iter()
            .map(|a| (a.status, a.header("x-ratelimit-limit").to_owned(), a.body.to_string()))
            .collect::<Vec<_>>()
    );
    // (The account "nobody6" is full of failures now; a fresh /64 without failures of its
    // own still has its guess checked.)
    let next_64 = send(
        proxy,
        &app,
        "POST",
        "/auth/login",
        None,
        Some("2001:db8:aa:bc::1"),
        Some(json!({"login": "nobody6", "password": "x"})),
    )
    .await;
    assert_eq!(next_64.status, 400);
}

/// Attack 1 measured: 16 concurrent clients guessing passwords with a fresh junk header each
/// for a second, on the default limits and the real clock. Before: ~58 guesses a second were
/// checked. Now: at most the address's unauthenticated burst (10) in the whole run, and the
/// failed-login bucket (10 per address) would stop the next ones.
#[actix_web::test]
async fn sixteen_junk_header_guessers_get_at_most_the_burst_on_default_limits() {
    let app = TestApp::sqlite(TestOptions {
        rate_limits: Some(LimiterConfig::seed_defaults()),
        ..TestOptions::default()
    })
    .await;
    registered(&app, "guessed").await;
    let until = Instant::now() + Duration::from_secs(1);
    let guessers = (0..16).map(|t| {
        let app = &app;
        async move {
            let mut checked = 0u32;
            let mut sent = 0u32;
            while Instant::now() < until && sent < 200 {
                let answer = send(
                    &app.http,
                    app,
                    "POST",
                    "/auth/login",
                    Some(&format!("Bot junk-{t}-{sent}")),
                    None,
                    Some(json!({"login": "guessed", "password": format!("guess-{t}-{sent}")})),
                )
                .await;
                sent += 1;
                match answer.status {
                    400 => checked += 1,
                    429 => {}
                    other => panic!("unexpected {other}: {}", answer.body),
                }
            }
            (checked, sent)
        }
    });
    let results = futures_util::future::join_all(guessers).await;
    let checked: u32 = results.iter().map(|r| r.0).sum();
    let sent: u32 = results.iter().map(|r| r.1).sum();
    assert!(sent > 16, "the attack ran ({sent} requests)");
    assert!(checked <= 10, "{checked} of {sent} guesses were checked");
}
