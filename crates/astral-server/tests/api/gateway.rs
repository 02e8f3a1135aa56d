//! Astral is REST-only: `/gateway` and `/gateway/bot` answer the documented 404 under every
//! prefix, with or without a token, so a library that asks for a gateway gets a clear answer.

use serde_json::{json, Value};

use crate::support::{assert_documented, backend_test, bot, TestApp, TestOptions};

const NO_GATEWAY: &str = "404: Not Found (Astral is REST-only: there is no gateway)";

async fn get(app: &TestApp, version: &str, path: &str, token: Option<&str>) -> (u16, Value) {
    let mut request = app.http.get(format!("{}{path}", app.api(version)));
    if let Some(token) = token {
        request = request.header("Authorization", token);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

backend_test!(the_gateway_routes_are_a_documented_404);
async fn the_gateway_routes_are_a_documented_404(app: TestApp) {
    let (token, _) = app.register("gatewayless").await;
    let auth = bot(&token);
    for version in ["v10", "v9", "v1"] {
        for path in ["/gateway", "/gateway/bot"] {
            for token in [None, Some(auth.as_str())] {
                let (status, body) = get(&app, version, path, token).await;
                assert_eq!(status, 404, "{version}{path}");
                assert_eq!(body, json!({"message": NO_GATEWAY, "code": 0}), "{version}{path}");
                assert_documented("GET", path, status, &body);
            }
        }
    }
    // The generated client sees the same documented error.
    let client = app.client(Some(&auth));
    for answer in
        [client.get_gateway().await.map(|_| ()), client.get_bot_gateway().await.map(|_| ())]
    {
        match answer {
            Err(astral_client::Error::ErrorResponse(error)) => {
                assert_eq!(error.status().as_u16(), 404);
                assert_eq!(error.message, NO_GATEWAY);
            }
            other => panic!("expected the documented 404, got {other:?}"),
        }
    }
}

/// With the rate limits on, the middleware looks a presented token up before any handler runs,
/// so even `/gateway` answers 503 while the database is away. The contract did not document a
/// 5xx answer for the gateway routes; it does now (the shared `ServerError`).
#[actix_web::test]
async fn the_gateway_answers_a_documented_503_while_the_database_is_away() {
    let options = TestOptions {
        rate_limits: Some(astral_ratelimit::LimiterConfig::seed_defaults()),
        ..TestOptions::default()
    };
    let app = TestApp::sqlite(options).await;
    let (token, _) = app.register("gateway-outage").await;
    let path = app.db.sqlite_path().unwrap();
    let away = format!("{path}.away");
    std::fs::rename(&path, &away).unwrap();
    let with_token = get(&app, "v10", "/gateway", Some(&bot(&token))).await;
    // Without a token nothing is looked up: the 404, database or not.
    let without = get(&app, "v10", "/gateway", None).await;
    std::fs::rename(&away, &path).unwrap();
    assert_eq!(with_token.0, 503, "{}", with_token.1);
    assert_documented("GET", "/gateway", with_token.0, &with_token.1);
    assert_eq!(without.0, 404, "{}", without.1);
}
