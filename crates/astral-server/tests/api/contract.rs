//! Root routes and the contract itself.

use serde_json::Value;

use crate::support::{backend_test, contract_as_json_schema, contract_schema_errors, TestApp};

backend_test!(healthz_reports_the_database);
async fn healthz_reports_the_database(app: TestApp) {
    let root_client = astral_client::Client::new(&app.root);
    let health = root_client.get_health().await.unwrap().into_inner();
    assert_eq!(health.status, "ok");
    let expected = if app.db.sqlite_path().is_some() { "sqlite" } else { "postgresql" };
    assert_eq!(health.database, expected);
}

backend_test!(openapi_json_is_the_committed_contract_and_swagger_ui_shows_it);
async fn openapi_json_is_the_committed_contract_and_swagger_ui_shows_it(app: TestApp) {
    let served: Value = app.get("/openapi.json").await.json().await.unwrap();
    let committed: Value = serde_json::from_str(astral_server::openapi::CONTRACT_JSON).unwrap();
    assert_eq!(served, committed);
    assert!(served["openapi"].as_str().unwrap().starts_with("3.0."));

    let redirect =
        reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let bare = redirect.get(format!("{}/docs", app.root)).send().await.unwrap();
    assert_eq!(bare.status(), 308);
    assert_eq!(bare.headers()["location"], "/docs/");
    let page = app.get("/docs/").await;
    assert_eq!(page.status(), 200);
    assert!(page.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
    let init = app.get("/docs/swagger-initializer.js").await.text().await.unwrap();
    assert!(init.contains("/openapi.json"), "{init}");
}

/// Every operation in the contract has a handler under every prefix: an unauthenticated call
/// reaches the handler (401 or 400), never the 404 fallback.
#[actix_web::test]
async fn every_contract_operation_is_routed_under_every_prefix() {
    let app = crate::support::TestApp::start(crate::support::TestDb::sqlite()).await;
    let contract: Value = serde_json::from_str(astral_server::openapi::CONTRACT_JSON).unwrap();
    let mut checked = 0;
    for (path, item) in contract["paths"].as_object().unwrap() {
        let at_root = item.get("servers").is_some();
        for (method, _) in
            item.as_object().unwrap().iter().filter(|(m, _)| *m != "servers" && *m != "parameters")
        {
            // `size=1` is invalid: a routed image endpoint answers 400 before looking anything up,
            // so its "no such image" 404 cannot pass for routing. Other routes ignore it.
            // issue 16 C-l: an authenticator type outside the path's enum names no route (404).
            let path = path.replace("{authenticator_type}", "totp");
            let concrete =
                format!("{}?size=1", path.replace("{user_id}", "1").replace("{file}", "0.png"));
            let prefixes: Vec<String> = if at_root {
                vec![String::new()]
            } else {
                ["v10", "v9", "v1"].iter().map(|v| format!("/api/{v}")).collect()
            };
            for prefix in prefixes {
                let response = app
                    .http
                    .request(
                        method.to_uppercase().parse().unwrap(),
                        format!("{}{prefix}{concrete}", app.root),
                    )
                    .header("Content-Type", "application/json")
                    .body("{}")
                    .send()
                    .await
                    .unwrap();
                let status = response.status().as_u16();
                let body: Value = response.json().await.unwrap_or(Value::Null);
                assert!(
                    !(status == 404 && body["message"] == "404: Not Found"),
                    "{method} {prefix}{path} is in the contract but not routed"
                );
                checked += 1;
            }
        }
    }
    assert!(checked >= 16, "only {checked} operation/prefix pairs checked");
}

/// Swagger UI shows the contract's examples, fills request bodies and path parameters in with
/// them, and sends them as they are ("Try it out"): every example must be a value the schema
/// it stands beside accepts. Every component schema has one, so that Swagger UI never makes
/// one up from a pattern (an 80-digit id, `"avatar": "string"`), except `Snowflake`, which the
/// objects' examples cover: an example on it would fill every optional `before`/`after` query
/// parameter in (checked in a browser by `cargo xtask swagger-check`), and `ImageFile` (bytes).
#[test]
fn every_example_in_the_contract_matches_its_schema() {
    fn walk(node: &Value, at: &str, found: &mut Vec<(String, Value, Value)>) {
        let Some(map) = node.as_object() else {
            if let Some(items) = node.as_array() {
                for (i, item) in items.iter().enumerate() {
                    walk(item, &format!("{at}/{i}"), found);
                }
            }
            return;
        };
        if let Some(example) = map.get("example") {
            // A media type or a parameter carries its schema beside its example; a schema is
            // its own.
            let mut schema = map.get("schema").cloned().unwrap_or_else(|| node.clone());
            if let Some(own) = schema.as_object_mut() {
                own.remove("example");
            }
            found.push((at.to_owned(), schema, example.clone()));
        }
        for (key, value) in map.iter().filter(|(key, _)| *key != "example") {
            walk(value, &format!("{at}/{key}"), found);
        }
    }
    let contract = contract_as_json_schema();
    let mut found = Vec::new();
    walk(contract, "", &mut found);
    let failures: Vec<String> = found
        .iter()
        .flat_map(|(at, schema, example)| {
            contract_schema_errors(schema, example).into_iter().map(move |e| format!("{at}: {e}"))
        })
        .collect();
    assert!(failures.is_empty(), "examples the contract refuses:\n{}", failures.join("\n"));

    let schemas = contract["components"]["schemas"].as_object().unwrap();
    let without: Vec<&String> =
        schemas.iter().filter(|(_, s)| s.get("example").is_none()).map(|(name, _)| name).collect();
    assert_eq!(without, ["ImageFile", "Snowflake"], "component schemas without an example");
    // Every request body shows an example, through its schema or its own.
    for (path, item) in contract["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let Some(media) = op.pointer("/requestBody/content/application~1json") else {
                continue;
            };
            let schema = media["schema"]["$ref"].as_str().and_then(|r| r.rsplit('/').next());
            let shown =
                media.get("example").or_else(|| schema.and_then(|s| schemas[s].get("example")));
            assert!(shown.is_some(), "{method} {path}: its request body has no example");
        }
    }
    println!("{} examples, each accepted by its schema", found.len());
    assert!(found.len() > schemas.len(), "only {} examples found", found.len());
}
