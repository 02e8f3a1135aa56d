//! Bad input and infrastructure failures: always a Discord-shaped 4xx/5xx, never a panic or a
//! leaked SQL message.

use serde_json::{json, Value};

use crate::support::{assert_documented, backend_tests, bot, TestApp, TestDb, TestOptions};

async fn raw(
    app: &TestApp,
    method: &str,
    path: &str,
    token: Option<&str>,
    content_type: Option<&str>,
    body: Vec<u8>,
) -> (u16, Value) {
    let mut req = app
        .http
        .request(method.parse().unwrap(), format!("{}{path}", app.api("v10")))
        .body(body);
    if let Some(t) = token {
        req = req.header("Authorization", t);
    }
    if let Some(ct) = content_type {
        req = req.header("Content-Type", ct);
    }
    let response = req.send().await.unwrap();
    let status = response.status().as_u16();
    (
        status,
        serde_json::from_slice(&response.bytes().await.unwrap()).unwrap_or(Value::Null),
    )
}

backend_tests! {
    async fn unknown_routes_are_discord_404s(app) {
        let (token, _) = app.register("wanderer").await;
        for (method, path) in [("GET", "/api/v10/nope"), ("GET", "/nope"), ("DELETE", "/api/v10/users/@me"), ("GET", "/api/v8/users/@me"), ("GET", "/api/v10/healthz")] {
            let response = app.http.request(method.parse().unwrap(), format!("{}{path}", app.root)).header("Authorization", bot(&token)).send().await.unwrap();
            assert_eq!(response.status(), 404, "{method} {path}");
            let body: Value = response.json().await.unwrap();
            assert_eq!(body, json!({"message": "404: Not Found", "code": 0}), "{method} {path}");
        }
    }
}

#[actix_web::test]
async fn bodies_over_the_limit_are_413() {
    let app = TestApp::start_with(
        TestDb::sqlite(),
        TestOptions {
            max_body_bytes: 1024,
            ..TestOptions::default()
        },
    )
    .await;
    let (token, _) = app.register("bulky").await;
    let big = json!({"global_name": "x".repeat(4096)})
        .to_string()
        .into_bytes();
    let (status, answer) = raw(
        &app,
        "PATCH",
        "/users/@me",
        Some(&bot(&token)),
        Some("application/json"),
        big,
    )
    .await;
    assert_eq!(status, 413);
    assert_eq!(
        answer,
        json!({"code": 40005, "message": "Request entity too large"})
    );
    assert_documented("PATCH", "/users/@me", status, &answer);
    // Chunked, without Content-Length: refused while reading.
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
        (0..8).map(|_| Ok(vec![b' '; 512])).collect();
    let response = app
        .http
        .patch(format!("{}/users/@me", app.api("v10")))
        .header("Authorization", bot(&token))
        .header("Content-Type", "application/json")
        .body(reqwest::Body::wrap_stream(futures_util::stream::iter(
            chunks,
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 413);
}

/// SQLite held locked by another writer: the request waits `busy_timeout`, then answers a
/// Discord-shaped 503 with Retry-After — never a 500 — and works again once the lock is gone.
#[actix_web::test]
async fn sqlite_busy_is_503_not_500() {
    let app = TestApp::start_with(
        TestDb::sqlite(),
        TestOptions {
            sqlite_busy_timeout_ms: 200,
            ..TestOptions::default()
        },
    )
    .await;
    let (token, _) = app.register("locked").await;
    let path = app.db.sqlite_path().unwrap();
    let lock = astral_store::testing::SqliteWriteLock::acquire(&path).unwrap();
    let response = app
        .http
        .patch(format!("{}/users/@me", app.api("v10")))
        .header("Authorization", bot(&token))
        .json(&json!({"global_name": "waiting"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 503);
    assert_eq!(response.headers()["retry-after"], "1");
    let body: Value = response.json().await.unwrap();
    assert_eq!(
        body,
        json!({"message": "503: Service Unavailable", "code": 0})
    );
    assert_documented("PATCH", "/users/@me", 503, &body);
    drop(lock);
    let (status, me) = app
        .call(
            "PATCH",
            "/users/@me",
            Some(&bot(&token)),
            Some(json!({"global_name": "through"})),
        )
        .await;
    assert_eq!((status, me["global_name"].as_str()), (200, Some("through")));
}
