//! Bad input and infrastructure failures: always a Discord-shaped 4xx/5xx, never a panic or a
//! leaked SQL message.

use serde_json::{json, Value};

use crate::support::{assert_documented, backend_test, bot, TestApp, TestOptions};

backend_test!(unknown_routes_are_discord_404s);
async fn unknown_routes_are_discord_404s(app: TestApp) {
    let (token, _) = app.register("wanderer").await;
    for (method, path) in [
        ("GET", "/api/v10/nope"),
        ("GET", "/nope"),
        ("DELETE", "/api/v10/nope"),
        ("POST", "/users/@me"),
        ("GET", "/api/v8/users/@me"),
        ("GET", "/api/v10/healthz"),
        ("PUT", "/api/v10/users/@me/"),
    ] {
        let response = app
            .http
            .request(method.parse().unwrap(), format!("{}{path}", app.root))
            .header("Authorization", bot(&token))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 404, "{method} {path}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body, json!({"message": "404: Not Found", "code": 0}), "{method} {path}");
    }
}

backend_test!(known_paths_asked_with_another_method_are_discord_405s);
async fn known_paths_asked_with_another_method_are_discord_405s(app: TestApp) {
    let (token, user_id) = app.register("methodical").await;
    let user_path = format!("/users/{user_id}");
    let api = [
        ("DELETE", "/users/@me", "GET, HEAD, PATCH"),
        ("PUT", "/users/@me", "GET, HEAD, PATCH"),
        ("DELETE", "/users/@me/reroll", "GET, HEAD, POST"),
        ("POST", user_path.as_str(), "GET, HEAD"),
        ("GET", "/auth/login", "POST"),
        ("PATCH", "/users/@me/channels", "GET, HEAD, POST"),
        ("GET", "/users/@me/relationships/42", "PUT, PATCH, DELETE"),
        ("POST", "/channels/1/recipients/2", "PUT, DELETE"),
        ("OPTIONS", "/guilds", "POST"),
        ("TRACE", "/gateway", "GET, HEAD"),
    ];
    let mut cases: Vec<(String, &str, &str)> = Vec::new();
    for prefix in ["/api/v10", "/api/v9", "/api/v1"] {
        cases.extend(
            api.iter().map(|(method, path, allow)| (format!("{prefix}{path}"), *method, *allow)),
        );
    }
    cases.push(("/healthz".to_owned(), "POST", "GET, HEAD"));
    cases.push((format!("/avatars/{user_id}/abc.png"), "DELETE", "GET, HEAD"));
    cases.push(("/embed/avatars/0.png".to_owned(), "PUT", "GET, HEAD"));
    for (path, method, allow) in &cases {
        // With and without a token: the method is wrong before anyone is asked to log in.
        for token in [Some(bot(&token)), None] {
            let mut request =
                app.http.request(method.parse().unwrap(), format!("{}{path}", app.root));
            if let Some(t) = &token {
                request = request.header("Authorization", t);
            }
            let response = request.send().await.unwrap();
            assert_eq!(response.status(), 405, "{method} {path}");
            assert_eq!(response.headers()["allow"], *allow, "{method} {path}");
            let body: Value = response.json().await.unwrap();
            assert_eq!(
                body,
                json!({"message": "405: Method Not Allowed", "code": 0}),
                "{method} {path}"
            );
        }
    }
    assert_eq!(cases.len(), 33);
}

backend_test!(head_is_served_wherever_get_is);
async fn head_is_served_wherever_get_is(app: TestApp) {
    let (token, _) = app.register("headstrong").await;
    for prefix in ["/api/v10", "/api/v9", "/api/v1"] {
        let url = format!("{}{prefix}/users/@me", app.root);
        let get = app.http.get(&url).header("Authorization", bot(&token)).send().await.unwrap();
        let head = app.http.head(&url).header("Authorization", bot(&token)).send().await.unwrap();
        assert_eq!((get.status().as_u16(), head.status().as_u16()), (200, 200), "{prefix}");
        assert_eq!(head.headers()["content-type"], "application/json", "{prefix}");
        assert_eq!(head.headers()["content-length"], get.headers()["content-length"], "{prefix}");
        assert!(head.headers().contains_key("x-request-id"), "{prefix}");
        assert!(head.bytes().await.unwrap().is_empty(), "{prefix}");
        // Authentication is that of the GET.
        let anonymous = app.http.head(&url).send().await.unwrap();
        assert_eq!(anonymous.status(), 401, "{prefix}");
    }
    let health = app.http.head(format!("{}/healthz", app.root)).send().await.unwrap();
    assert_eq!(health.status(), 200);
    assert!(health.bytes().await.unwrap().is_empty());
    // HEAD where there is no GET is as wrong as the GET.
    let login = app.http.head(format!("{}/auth/login", app.api("v10"))).send().await.unwrap();
    assert_eq!(login.status(), 405);
    assert_eq!(login.headers()["allow"], "POST");
    let unknown = app.http.head(format!("{}/nope", app.api("v10"))).send().await.unwrap();
    assert_eq!(unknown.status(), 404);
}

#[actix_web::test]
async fn bodies_over_the_limit_are_413() {
    let app = TestApp::sqlite(TestOptions { max_body_bytes: 1024, ..TestOptions::default() }).await;
    let (token, _) = app.register("bulky").await;
    let big = json!({"global_name": "x".repeat(4096)});
    let (status, answer) = app.call("PATCH", "/users/@me", Some(&bot(&token)), Some(big)).await;
    assert_eq!(status, 413);
    assert_eq!(answer, json!({"code": 40005, "message": "Request entity too large"}));
    assert_documented("PATCH", "/users/@me", status, &answer);
    // Chunked, without Content-Length: refused while reading.
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
        (0..8).map(|_| Ok(vec![b' '; 512])).collect();
    let response = app
        .http
        .patch(format!("{}/users/@me", app.api("v10")))
        .header("Authorization", bot(&token))
        .header("Content-Type", "application/json")
        .body(reqwest::Body::wrap_stream(futures_util::stream::iter(chunks)))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 413);
}

/// SQLite held locked by another writer: the request waits `busy_timeout`, then answers a
/// Discord-shaped 503 with Retry-After — never a 500 — and works again once the lock is gone.
#[actix_web::test]
async fn sqlite_busy_is_503_not_500() {
    let app =
        TestApp::sqlite(TestOptions { sqlite_busy_timeout_ms: 200, ..TestOptions::default() })
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
    assert_eq!(body, json!({"message": "503: Service Unavailable", "code": 0}));
    assert_documented("PATCH", "/users/@me", 503, &body);
    drop(lock);
    let (status, me) = app
        .as_user(&token)
        .patch("/users/@me")
        .json(json!({"global_name": "through"}))
        .call()
        .await;
    assert_eq!((status, me["global_name"].as_str()), (200, Some("through")));
}
