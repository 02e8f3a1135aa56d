//! Request ids and the log: the real binary, logging at debug (trace for our crates), is put
//! through registrations, logins (good and bad), token use (user, bearer, bot, tampered,
//! revoked) and refused bodies with known secrets. Its captured stderr must contain none of
//! them (tokens whole or their secret part, passwords, password hashes, token hashes), and
//! every answer's `X-Request-Id` must name exactly one request line with the same status.

use std::collections::HashMap;

use astral_store::schema::{tokens, users};
use astral_store::{AstralConnectionManager, ConnectionOptions, DatabaseUrl};
use diesel::{QueryDsl, RunQueryDsl};
use serde_json::{json, Value};

use crate::process::ServerProcess;
use crate::support::{backend_test, header_text, request, TestApp};

const LOG_FILTER: &str =
    "debug,astral_server=trace,astral_store=trace,astral_ratelimit=trace,astral_media=trace";

struct Exchange {
    request_id: String,
    method: &'static str,
    status: u16,
}

struct Client {
    http: reqwest::Client,
    api: String,
    seen: Vec<Exchange>,
}

impl Client {
    async fn call(
        &mut self,
        method: &'static str,
        path: &str,
        auth: Option<&str>,
        body: Option<Value>,
        request_id: Option<&str>,
    ) -> (u16, Value) {
        let mut req = request(&self.http, method, format!("{}{path}", self.api), auth, body);
        if let Some(id) = request_id {
            req = req.header("X-Request-Id", id);
        }
        let response = req.send().await.expect("send");
        let status = response.status().as_u16();
        let id = header_text(response.headers(), "x-request-id")
            .expect("every answer has X-Request-Id")
            .to_owned();
        if let Some(sent) = request_id {
            let plain = sent.len() <= 64
                && sent.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.:".contains(&b));
            assert_eq!(id == sent, plain, "inbound id {sent:?} answered as {id:?}");
        }
        self.seen.push(Exchange { request_id: id, method, status });
        let body = response.json().await.unwrap_or(Value::Null);
        (status, body)
    }
}

/// The secret part of a token (after the second dot).
fn secret_of(token: &str) -> &str {
    token.rsplit('.').next().unwrap_or_default()
}

/// Runs the scenario against a fresh server logging in `format`; returns its log, the
/// exchanges and the secrets it used.
async fn scenario(db_url: &str, format: &str, tag: &str) -> (String, Vec<Exchange>, Vec<String>) {
    let mut server =
        ServerProcess::serve(db_url, &[("ASTRAL_LOG", LOG_FILTER), ("ASTRAL_LOG_FORMAT", format)])
            .await;
    let mut c = Client { http: reqwest::Client::new(), api: server.api(), seen: Vec::new() };
    let password = format!("first-secret-password-{tag}");
    let wrong = format!("not-the-password-{tag}");
    let bot_password = format!("bot-secret-password-{tag}");
    let mut secrets = vec![password.clone(), wrong.clone(), bot_password.clone()];

    let name = format!("logs_{tag}");
    // The account calls, anonymous, each with the inbound request id it sends: a plain one
    // (kept), one with a tab and one too long (both replaced), none.
    let too_long_id = "x".repeat(65);
    let account_calls = [
        (
            "/auth/register",
            json!({"username": name, "password": password, "email": format!("{tag}@example.com")}),
            Some("client-chosen.id:1"),
            201,
        ),
        (
            "/auth/login",
            json!({"login": name, "password": password}),
            Some("not a plain id\twith a tab"),
            200,
        ),
        ("/auth/login", json!({"login": name, "password": wrong}), Some(too_long_id.as_str()), 400),
        // A password too short: refused, never echoed.
        (
            "/auth/register",
            json!({"username": format!("{name}2"), "password": "short1"}),
            None,
            400,
        ),
    ];
    let mut tokens = Vec::new();
    for (path, body, request_id, want) in account_calls {
        let (status, answer) = c.call("POST", path, None, Some(body), request_id).await;
        assert_eq!(status, want, "POST {path}: {answer}");
        tokens.extend(answer["token"].as_str().map(str::to_owned));
    }
    secrets.push("short1".into());
    let [t1, t2] = <[String; 2]>::try_from(tokens).expect("the registration's and login's tokens");

    let out = std::process::Command::new(env!("CARGO_BIN_EXE_astral"))
        .args(["users", "create", "--bot", "--username"])
        .arg(format!("logbot_{tag}"))
        .args(["--password", &bot_password, "--database-url", db_url])
        .env("ASTRAL_LOG", LOG_FILTER)
        .env("ASTRAL_LOG_FORMAT", format)
        .output()
        .expect("astral users create");
    assert!(out.status.success());
    let bot: Value = serde_json::from_slice(&out.stdout).unwrap();
    let t3 = bot["token"].as_str().unwrap().to_owned();
    let cli_log = String::from_utf8_lossy(&out.stderr).into_owned();

    for auth in [t1.clone(), format!("Bearer {t2}"), format!("Bot {t3}")] {
        let (status, _) = c.call("GET", "/users/@me", Some(&auth), None, None).await;
        assert_eq!(status, 200);
    }
    let (status, _) = c
        .call("PATCH", "/users/@me", Some(&t1), Some(json!({"global_name": "Logged"})), None)
        .await;
    assert_eq!(status, 200);
    let tampered = format!("{}{}", &t1[..t1.len() - 4], "AAAA");
    let (status, _) = c.call("GET", "/users/@me", Some(&tampered), None, None).await;
    assert_eq!(status, 401);
    let (status, _) = c.call("POST", "/auth/logout", Some(&t2), None, None).await;
    assert_eq!(status, 204);
    let (status, _) = c.call("GET", "/users/@me", Some(&t2), None, None).await;
    assert_eq!(status, 401);
    let (status, _) = c.call("GET", "/no/such/route?token=abc", Some(&t1), None, None).await;
    assert_eq!(status, 404);

    for t in [&t1, &t2, &t3, &tampered] {
        secrets.push(t.to_string());
        secrets.push(secret_of(t).to_owned());
    }
    // What the database holds: the password hashes and the tokens' secret hashes.
    let url = DatabaseUrl::parse(db_url).unwrap();
    let mut conn =
        AstralConnectionManager::new(url, ConnectionOptions::default()).establish().unwrap();
    let hashes: Vec<Option<String>> =
        users::table.select(users::password_hash).load(&mut conn).unwrap();
    let token_hashes: Vec<String> =
        tokens::table.select(tokens::secret_hash).load(&mut conn).unwrap();
    assert!(hashes.iter().flatten().count() >= 2, "accounts with passwords");
    assert!(token_hashes.len() >= 2);
    secrets.extend(hashes.into_iter().flatten());
    secrets.extend(token_hashes);

    server.sigterm();
    let exit =
        server.wait_exit(std::time::Duration::from_secs(20)).await.expect("exits after SIGTERM");
    assert!(exit.success(), "{exit:?}");
    let log = format!("{}\n{cli_log}", server.logs());
    (log, c.seen, secrets)
}

fn assert_no_secrets(log: &str, secrets: &[String]) {
    for secret in secrets {
        assert!(secret.len() >= 6, "{secret:?} is too short to search for");
        assert!(!log.contains(secret.as_str()), "the log contains the secret {secret:?}:\n{log}");
    }
}

async fn logs_keep_secrets_out_and_name_every_request(db_url: String) {
    // JSON: structured checks on every request line.
    let (log, seen, secrets) = scenario(&db_url, "json", "j").await;
    assert_no_secrets(&log, &secrets);
    let mut lines: HashMap<String, Vec<Value>> = HashMap::new();
    for line in log.lines() {
        let Ok(event) = serde_json::from_str::<Value>(line) else {
            continue;
        };
        if event["message"] == "request" && event["target"] == "astral_server::request" {
            let id = event["request_id"].as_str().expect("request_id").to_owned();
            assert!(!id.is_empty());
            assert!(event["path"].as_str().is_some_and(|p| !p.contains('?')));
            assert!(event["latency_ms"].is_number());
            lines.entry(id).or_default().push(event);
        }
    }
    assert!(!seen.is_empty());
    for exchange in &seen {
        let events = lines
            .get(&exchange.request_id)
            .unwrap_or_else(|| panic!("no log line for request {}", exchange.request_id));
        assert_eq!(events.len(), 1, "{events:?}");
        assert_eq!(events[0]["status"], exchange.status);
        assert_eq!(events[0]["method"], exchange.method);
    }
    // The authenticated requests carry the caller's id; the anonymous ones none.
    let with_user = lines.values().flatten().filter(|e| e["user_id"].is_string()).count();
    assert_eq!(with_user, 5, "GET @me ×3, PATCH and logout");

    // Text: the same scenario, the same guarantees, ids findable by `request_id=`.
    let (log, seen, secrets) = scenario(&db_url, "text", "t").await;
    assert_no_secrets(&log, &secrets);
    for exchange in &seen {
        let needle = format!("request_id={}", exchange.request_id);
        let status = format!("status={}", exchange.status);
        let matching: Vec<&str> = log
            .lines()
            .filter(|l| l.contains(&needle) && l.contains("astral_server::request:"))
            .collect();
        assert_eq!(matching.len(), 1, "{needle}:\n{log}");
        assert!(matching[0].contains(&status), "{}", matching[0]);
    }
}

backend_test!(logs_hold_no_secrets_and_every_request_has_an_id);
async fn logs_hold_no_secrets_and_every_request_has_an_id(app: TestApp) {
    logs_keep_secrets_out_and_name_every_request(app.db.url()).await;
}
