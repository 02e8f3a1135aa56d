//! The second factor of sensitive changes (issue 16 C, docs/accounts.md#re-authentication):
//! with two-factor authentication on, `PATCH /users/@me`'s sensitive fields, disabling or
//! deleting the account and logging sessions out answer 401 / 60003 with a ticket;
//! `POST /mfa/finish` turns the ticket and a code into a token for `X-Discord-MFA-Authorization`;
//! Fluxer's inline `mfa_method` / `mfa_code` work too. Codes are computed here at a fixed clock.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use astral_ratelimit::{LimiterConfig, ManualClock, Quota};
use astral_server::mfa::code_at;
use serde_json::{json, Value};

use crate::support::{
    assert_documented, backend_db_test, enable_mfa_directly, DirectMfa, TestApp, TestDb,
    TestOptions,
};

const PASSWORD: &str = "correct horse battery";
const HEADER: &str = "X-Discord-MFA-Authorization";

/// An app whose clock the test moves, so TOTP codes can be computed for "now".
async fn app_at_fixed_time(
    db: TestDb,
    rate_limits: Option<LimiterConfig>,
) -> (TestApp, Arc<ManualClock>) {
    // A whole step, so a code stays the current one until the test moves the clock.
    let now_us =
        SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs() / 30 * 30 * 1_000_000;
    let clock = ManualClock::new(now_us);
    let options = TestOptions { clock: Some(clock.clone()), rate_limits, ..TestOptions::default() };
    (TestApp::start_with(db, options).await, clock)
}

fn now_secs(app: &TestApp) -> u64 {
    (app.state.now_ms() / 1000) as u64
}

/// A person with TOTP on (set through the store, as `POST /users/@me/mfa/totp/enable` would):
/// their token (the old one is revoked), TOTP secret and backup codes.
async fn mfa_user(app: &TestApp, name: &str) -> DirectMfa {
    let (_, id) = app.register(name).await;
    enable_mfa_directly(app, &id)
}

/// Sends `method path` with `body` as `token`'s user, with the MFA header when given.
async fn send(
    app: &TestApp,
    method: &str,
    path: &str,
    token: &str,
    mfa: Option<&str>,
    body: Value,
) -> (u16, Value) {
    let client = reqwest::Client::new();
    let url = format!("{}{path}", app.api("v10"));
    let mut request =
        client.request(method.parse().unwrap(), url).header("Authorization", token).json(&body);
    if let Some(mfa) = mfa {
        request = request.header(HEADER, mfa);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// The 60003 answer's ticket, after checking its shape.
fn ticket_of(answer: &Value) -> String {
    assert_eq!(answer["code"], 60003, "{answer}");
    assert_eq!(answer["message"], "Two factor is required for this operation");
    assert_eq!(
        answer["mfa"]["methods"],
        json!([{"type": "totp", "backup_codes_allowed": true}, {"type": "backup"}]),
        "{answer}"
    );
    answer["mfa"]["ticket"].as_str().unwrap().to_owned()
}

/// `PATCH /users/@me` as `token`'s user, with the MFA header when given.
async fn patch_me(app: &TestApp, token: &str, mfa: Option<&str>, body: Value) -> (u16, Value) {
    send(app, "PATCH", "/users/@me", token, mfa, body).await
}

async fn finish(app: &TestApp, token: &str, ticket: &str, kind: &str, code: &str) -> (u16, Value) {
    let body = json!({"ticket": ticket, "mfa_type": kind, "data": code});
    send(app, "POST", "/mfa/finish", token, None, body).await
}

backend_db_test!(
    a_sensitive_change_asks_for_the_second_factor_and_takes_a_finished_ticket,
    finished_ticket
);
async fn finished_ticket(db: TestDb) {
    let (app, clock) = app_at_fixed_time(db, None).await;
    let me = mfa_user(&app, "twofactor").await;
    let other = mfa_user(&app, "otherfactor").await;
    let rename = json!({"username": "renamed"});

    // No second factor: 60003 with a ticket, even with the right password.
    let (status, answer) = patch_me(&app, &me.token, None, rename.clone()).await;
    assert_eq!(status, 401, "{answer}");
    assert_documented("PATCH", "/users/@me", 401, &answer);
    ticket_of(&answer);
    let with_password = json!({"username": "renamed", "password": PASSWORD});
    let (status, answer) = patch_me(&app, &me.token, None, with_password).await;
    assert_eq!(status, 401, "{answer}");
    let ticket = ticket_of(&answer);

    // The ticket is finished with a code; refusals first.
    let code = code_at(&me.secret, now_secs(&app));
    let (status, answer) = finish(&app, &me.token, &ticket, "totp", "000000").await;
    assert_eq!((status, answer["code"].clone()), (400, json!(60008)), "{answer}");
    let (status, answer) = finish(&app, &me.token, "no such ticket", "totp", &code).await;
    assert_eq!((status, answer["code"].clone()), (400, json!(60006)), "{answer}");
    let (status, answer) = finish(&app, &other.token, &ticket, "totp", &code).await;
    assert_eq!((status, answer["code"].clone()), (400, json!(60006)), "another's ticket: {answer}");
    let (status, answer) = finish(&app, &me.token, &ticket, "sms", &code).await;
    assert_eq!(status, 400, "{answer}");
    assert_eq!(answer["errors"]["mfa_type"]["_errors"][0]["code"], "MFA_METHOD_NOT_SUPPORTED");
    let (status, answer) = finish(&app, &me.token, &ticket, "totp", &code).await;
    assert_eq!(status, 200, "{answer}");
    assert_documented("POST", "/mfa/finish", 200, &answer);
    let authorization = answer["token"].as_str().unwrap().to_owned();
    // Single use.
    let (status, answer) = finish(&app, &me.token, &ticket, "totp", &code).await;
    assert_eq!((status, answer["code"].clone()), (400, json!(60006)), "{answer}");

    // The request again, with the token: done.
    let (status, answer) = patch_me(&app, &me.token, Some(&authorization), rename.clone()).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["username"], "renamed");
    // It proves nothing for another account.
    let (status, answer) =
        patch_me(&app, &other.token, Some(&authorization), json!({"username": "hijacked"})).await;
    assert_eq!(status, 401, "{answer}");
    ticket_of(&answer);

    // A new password needs the current password as well as the second factor.
    let (status, answer) = patch_me(
        &app,
        &me.token,
        Some(&authorization),
        json!({"new_password": "another fine passphrase"}),
    )
    .await;
    assert_eq!(status, 400, "{answer}");
    assert_eq!(answer["errors"]["password"]["_errors"][0]["code"], "BASE_TYPE_REQUIRED");

    // The token lasts 5 minutes.
    clock.advance_us(301 * 1_000_000);
    let (status, answer) =
        patch_me(&app, &me.token, Some(&authorization), json!({"username": "renamed_again"})).await;
    assert_eq!(status, 401, "{answer}");
    ticket_of(&answer);
}

backend_db_test!(fluxers_inline_codes_are_taken_once, inline_codes);
async fn inline_codes(db: TestDb) {
    let (app, clock) = app_at_fixed_time(db, None).await;
    let me = mfa_user(&app, "inline").await;
    let code = code_at(&me.secret, now_secs(&app));
    let patch = |body: Value| send(&app, "PATCH", "/users/@me", &me.token, None, body);

    let (status, answer) =
        patch(json!({"username": "inline2", "mfa_method": "totp", "mfa_code": code})).await;
    assert_eq!(status, 200, "{answer}");
    // The same code again, within its window: refused (RFC 6238 §5.2).
    let (status, answer) = patch(json!({"username": "inline3", "mfa_code": code})).await;
    assert_eq!((status, answer["code"].clone()), (400, json!(60008)), "{answer}");
    // The next step's code is good.
    clock.advance_us(30 * 1_000_000);
    let next = code_at(&me.secret, now_secs(&app));
    let (status, answer) = patch(json!({"username": "inline3", "mfa_code": next})).await;
    assert_eq!(status, 200, "{answer}");
    // A backup code in place of a TOTP code, once.
    let backup = me.backup_codes[3].clone();
    let (status, answer) = patch(json!({"username": "inline4", "mfa_code": backup})).await;
    assert_eq!(status, 200, "{answer}");
    let (status, answer) = patch(json!({"username": "inline5", "mfa_code": backup})).await;
    assert_eq!((status, answer["code"].clone()), (400, json!(60008)), "{answer}");
    // SMS and WebAuthn are not offered.
    for body in [
        json!({"username": "inline5", "mfa_method": "sms", "mfa_code": "123456"}),
        json!({"username": "inline5", "webauthn_response": {}}),
    ] {
        let (status, answer) = patch(body.clone()).await;
        assert_eq!(status, 400, "{body}: {answer}");
        let field =
            if body.get("mfa_method").is_some() { "mfa_method" } else { "webauthn_response" };
        assert_eq!(answer["errors"][field]["_errors"][0]["code"], "MFA_METHOD_NOT_SUPPORTED");
    }
    // A change that needs nothing needs no factor.
    let (status, answer) = patch(json!({"global_name": "Calm"})).await;
    assert_eq!(status, 200, "{answer}");
}

backend_db_test!(five_wrong_codes_end_a_ticket, wrong_codes_end_a_ticket);
async fn wrong_codes_end_a_ticket(db: TestDb) {
    let (app, _clock) = app_at_fixed_time(db, None).await;
    let me = mfa_user(&app, "guesser").await;
    let (_, answer) = patch_me(&app, &me.token, None, json!({"username": "g2"})).await;
    let ticket = ticket_of(&answer);
    let right = code_at(&me.secret, now_secs(&app));
    let wrong = if right == "123456" { "654321" } else { "123456" };
    for _ in 0..5 {
        let (status, answer) = finish(&app, &me.token, &ticket, "totp", wrong).await;
        assert_eq!((status, answer["code"].clone()), (400, json!(60008)), "{answer}");
    }
    let (status, answer) = finish(&app, &me.token, &ticket, "totp", &right).await;
    assert_eq!((status, answer["code"].clone()), (400, json!(60006)), "{answer}");
    // A backup code finishes a `backup` ticket; a TOTP code does not.
    let (_, answer) = patch_me(&app, &me.token, None, json!({"username": "g2"})).await;
    let ticket = ticket_of(&answer);
    let (status, answer) = finish(&app, &me.token, &ticket, "backup", &right).await;
    assert_eq!((status, answer["code"].clone()), (400, json!(60008)), "{answer}");
    let (status, answer) = finish(&app, &me.token, &ticket, "backup", &me.backup_codes[0]).await;
    assert_eq!(status, 200, "{answer}");
}

backend_db_test!(closing_the_account_and_logging_sessions_out_need_the_second_factor, closing);
async fn closing(db: TestDb) {
    let (app, _clock) = app_at_fixed_time(db, None).await;
    let me = mfa_user(&app, "closer").await;
    // A second session, so the logout names more than the current one.
    app.login("closer", PASSWORD).await;

    let sessions = app.as_user(&me.token).get("/auth/sessions").expect(200).await;
    let hashes: Vec<Value> = sessions["user_sessions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id_hash"].clone())
        .collect();
    let logout = json!({"session_id_hashes": hashes});
    let (status, answer) =
        send(&app, "POST", "/auth/sessions/logout", &me.token, None, logout.clone()).await;
    assert_eq!(status, 401, "{answer}");
    assert_documented("POST", "/auth/sessions/logout", 401, &answer);
    let ticket = ticket_of(&answer);
    let code = code_at(&me.secret, now_secs(&app));
    let (_, answer) = finish(&app, &me.token, &ticket, "totp", &code).await;
    let authorization = answer["token"].as_str().unwrap().to_owned();

    // Disabling: the password alone is not enough with MFA on; the factor alone is.
    let (status, answer) =
        send(&app, "POST", "/users/@me/disable", &me.token, None, json!({"password": PASSWORD}))
            .await;
    assert_eq!(status, 401, "{answer}");
    assert_documented("POST", "/users/@me/disable", 401, &answer);
    ticket_of(&answer);
    let (status, answer) =
        send(&app, "POST", "/users/@me/disable", &me.token, Some(&authorization), json!({})).await;
    assert_eq!(status, 204, "{answer}");
    // Every token went with it.
    let (status, _) = send(&app, "GET", "/users/@me", &me.token, None, json!({})).await;
    assert_eq!(status, 401);
}

/// The 60003 answer is a step of the protocol: it is not counted as an invalid request (the
/// lock-out stays clear however many come) and gives back the route's charge, so the retry
/// with the token is not refused by `PATCH /users/@me`'s bucket of one per ten seconds.
#[actix_web::test]
async fn the_mfa_required_answer_is_not_counted_and_gives_its_charge_back() {
    let mut config = LimiterConfig::seed_defaults();
    config.global = Quota::new(1000, Duration::from_secs(1));
    config.invalid_requests = Quota::new(3, Duration::from_secs(600));
    let (app, _clock) = app_at_fixed_time(TestDb::sqlite(), Some(config)).await;
    let me = mfa_user(&app, "limited").await;
    let rename = json!({"username": "limited2"});
    let mut ticket = String::new();
    // More than the invalid-request limit, and more than the route's bucket, in a row.
    for _ in 0..5 {
        let (status, answer) = patch_me(&app, &me.token, None, rename.clone()).await;
        assert_eq!(status, 401, "{answer}");
        ticket = ticket_of(&answer);
    }
    let code = code_at(&me.secret, now_secs(&app));
    let (status, answer) = finish(&app, &me.token, &ticket, "totp", &code).await;
    assert_eq!(status, 200, "{answer}");
    let authorization = answer["token"].as_str().unwrap().to_owned();
    let (status, answer) = patch_me(&app, &me.token, Some(&authorization), rename).await;
    assert_eq!(status, 200, "{answer}");
    // The route's bucket did charge the request that went through.
    let (status, _) =
        patch_me(&app, &me.token, Some(&authorization), json!({"global_name": "Again"})).await;
    assert_eq!(status, 429);
}
