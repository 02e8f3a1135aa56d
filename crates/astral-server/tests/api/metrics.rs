//! The Prometheus series (docs/operations.md#metrics): after known traffic, each counter moved
//! by exactly what that traffic should have added, labelled by the contract's operationId; a
//! refused request counts under the bucket that refused it; and `/metrics` is served on the
//! metrics listener only, never on the API's.

use std::collections::HashMap;

use astral_ratelimit::LimiterConfig;
use serde_json::json;

use crate::process::{command, free_port, ServerProcess};
use crate::support::{backend_db_test, TestApp, TestDb, TestOptions};

/// The samples of a text exposition: `name{labels}` → value (labels as written).
fn samples(text: &str) -> HashMap<String, f64> {
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter_map(|l| {
            let (series, value) = l.rsplit_once(' ')?;
            Some((series.to_owned(), value.parse().ok()?))
        })
        .collect()
}

pub(crate) async fn scrape(http: &reqwest::Client, root: &str) -> HashMap<String, f64> {
    let response = http.get(format!("{root}/metrics")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let content_type = response.headers()["content-type"].to_str().unwrap().to_owned();
    assert!(content_type.starts_with("text/plain; version=0.0.4"), "{content_type}");
    samples(&response.text().await.unwrap())
}

/// How much a series grew between two scrapes (absent counts as 0).
pub(crate) fn grew(
    before: &HashMap<String, f64>,
    after: &HashMap<String, f64>,
    series: &str,
) -> f64 {
    after.get(series).copied().unwrap_or(0.0) - before.get(series).copied().unwrap_or(0.0)
}

backend_db_test!(counters_move_by_exactly_the_traffic_sent, counters);

async fn counters(db: TestDb) {
    // The seed's limits: `PATCH /users/@me` once per 10 s per token.
    let options =
        TestOptions { rate_limits: Some(LimiterConfig::seed_defaults()), ..Default::default() };
    let app = TestApp::start_with(db, options).await;
    let metrics = app.start_metrics().await;
    let (token, _) = app.register("metered").await;

    let before = scrape(&app.http, &metrics).await;
    for _ in 0..3 {
        app.expect("GET", "/users/@me", Some(&token), None, 200).await;
    }
    let patch = json!({"global_name": "Metered"});
    app.expect("PATCH", "/users/@me", Some(&token), Some(patch.clone()), 200).await;
    app.expect("PATCH", "/users/@me", Some(&token), Some(patch), 429).await;
    // HEAD is the GET it stands for; v9 is the same operation as v10.
    let head =
        app.http.head(format!("{}/users/@me", app.api("v9"))).header("Authorization", &token);
    assert_eq!(head.send().await.unwrap().status(), 200);
    // Not an operation, and not on the API listener.
    app.expect("GET", "/no/such/route", Some(&token), None, 404).await;
    let on_api = app.http.get(format!("{}/metrics", app.root)).send().await.unwrap();
    assert_eq!(on_api.status(), 404, "/metrics must not be served on the API listener");
    let after = scrape(&app.http, &metrics).await;

    let requests = |operation: &str, status: u16| {
        format!("astral_http_requests_total{{operation=\"{operation}\",status=\"{status}\"}}")
    };
    assert_eq!(grew(&before, &after, &requests("get_my_user", 200)), 4.0, "3 GETs and a HEAD");
    assert_eq!(grew(&before, &after, &requests("update_my_user", 200)), 1.0);
    assert_eq!(grew(&before, &after, &requests("update_my_user", 429)), 1.0);
    assert_eq!(grew(&before, &after, &requests("unrouted", 404)), 2.0, "the route and /metrics");
    assert_eq!(
        grew(&before, &after, "astral_rate_limit_refusals_total{bucket=\"route\"}"),
        1.0,
        "the second PATCH, refused by the route's own bucket"
    );
    assert_eq!(
        grew(
            &before,
            &after,
            "astral_http_request_duration_seconds_count{operation=\"get_my_user\"}"
        ),
        4.0
    );
    // Nothing else was counted: the scrapes themselves are not API requests.
    let total = |m: &HashMap<String, f64>| {
        m.iter()
            .filter(|(k, _)| k.starts_with("astral_http_requests_total{"))
            .map(|(_, v)| v)
            .sum::<f64>()
    };
    assert_eq!(total(&after) - total(&before), 8.0);

    // Checkouts were timed; the gauges were read at the scrape.
    assert!(grew(&before, &after, "astral_db_pool_wait_seconds_count") >= 4.0);
    assert_eq!(after["astral_db_pool_max_connections"], 4.0);
    assert!(after["astral_db_pool_connections"] >= 1.0);
    assert_eq!(after["astral_dependency_up{dependency=\"database\"}"], 1.0);
    assert!(!after.contains_key("astral_dependency_up{dependency=\"redis\"}"), "no Redis here");
    assert_eq!(after["astral_image_jobs{lane=\"image\",state=\"queued\"}"], 0.0);

    // The token cache (on, as `astral serve` has it): every authenticated request looked its
    // token up once; the second and third GET found what the first read; the PATCH changed its
    // owner, so a later lookup read the database again. Nothing dropped the cache.
    let hits = grew(&before, &after, "astral_token_cache_lookups_total{result=\"hit\"}");
    let misses = grew(&before, &after, "astral_token_cache_lookups_total{result=\"miss\"}");
    assert!(hits >= 2.0 && misses >= 1.0, "hits {hits}, misses {misses}");
    assert!(hits + misses >= 6.0, "3 GETs, a HEAD and 2 PATCHes: {hits} + {misses}");
    assert!(after["astral_token_cache_tokens"] >= 1.0);
    assert_eq!(grew(&before, &after, "astral_token_cache_drops_total"), 0.0);
    assert!(after.contains_key("astral_token_cache_marker_waits_total"));
}

backend_db_test!(an_avatar_upload_is_timed_on_the_image_lanes, image_work);

async fn image_work(db: TestDb) {
    let app = TestApp::start(db).await;
    let metrics = app.start_metrics().await;
    let (token, _) = app.register("painter").await;
    let before = scrape(&app.http, &metrics).await;
    let mut png = std::io::Cursor::new(Vec::new());
    image::RgbImage::from_pixel(8, 8, image::Rgb([1, 2, 3]))
        .write_to(&mut png, image::ImageFormat::Png)
        .unwrap();
    use base64::Engine;
    let data = base64::engine::general_purpose::STANDARD.encode(png.into_inner());
    let avatar = json!({"avatar": format!("data:image/png;base64,{data}")});
    app.expect("PATCH", "/users/@me", Some(&token), Some(avatar), 200).await;
    let after = scrape(&app.http, &metrics).await;
    let jobs = |lane: &str, phase: &str| {
        format!("astral_image_job_seconds_count{{lane=\"{lane}\",phase=\"{phase}\"}}")
    };
    assert!(grew(&before, &after, &jobs("image", "work")) >= 1.0, "the upload was decoded");
    assert_eq!(
        grew(&before, &after, &jobs("image", "work")),
        grew(&before, &after, &jobs("image", "queue")),
        "every job that ran waited first"
    );
    assert!(grew(&before, &after, &jobs("media-io", "work")) >= 1.0, "and stored");
}

backend_db_test!(metrics_bind_serves_metrics_on_its_own_address_only, metrics_bind);

async fn metrics_bind(db: TestDb) {
    let media = tempfile::tempdir().unwrap();
    let port = free_port();
    let bind = format!("127.0.0.1:{port}");
    let mut server =
        ServerProcess::start(command(&db.url(), media.path(), &[("ASTRAL_METRICS_BIND", &bind)]))
            .await;
    let http = reqwest::Client::new();
    let health = http.get(format!("{}/healthz", server.root)).send().await.unwrap();
    assert_eq!(health.status(), 200);
    let scraped = scrape(&http, &format!("http://{bind}")).await;
    assert!(
        scraped["astral_http_requests_total{operation=\"get_health\",status=\"200\"}"] >= 1.0,
        "{}",
        server.logs()
    );
    let on_api = http.get(format!("{}/metrics", server.root)).send().await.unwrap();
    assert_eq!(on_api.status(), 404);
    let elsewhere = http.get(format!("http://{bind}/healthz")).send().await.unwrap();
    assert_eq!(elsewhere.status(), 404, "the metrics listener serves /metrics only");
}
