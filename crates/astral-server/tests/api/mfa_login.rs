//! Logging in with two-factor authentication (issue 16 C-l), on both backends with a fixed
//! clock: the login's ticket, `POST /auth/mfa/{authenticator_type}`, a reset and an email
//! verification with two-factor authentication on, and the session the second factor opens.
//! Two-factor authentication is turned on through the store (`enable_mfa_directly`), so these
//! tests do not depend on the enable route.

use std::time::Duration;

use astral_client::types::{VerifyMfaLoginAuthenticatorType, VerifyMfaLoginRequest};
use astral_ratelimit::{LimiterConfig, ManualClock, Quota};
use serde_json::{json, Value};

use crate::support::{
    assert_matches_contract, backend_db_test, enable_mfa_directly, send_with_user_agent, DirectMfa,
    TestApp, TestDb, TestOptions,
};

const PASSWORD: &str = "correct horse battery";
/// A TOTP step boundary (1_800_000_000 s is 60_000_000 steps of 30 s), in microseconds.
const T0_US: u64 = 1_800_000_000_000_000;
const FIREFOX: &str = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0";
const STEP_US: u64 = 30 * 1_000_000;

async fn app_at(db: TestDb, clock: &std::sync::Arc<ManualClock>) -> TestApp {
    let options = TestOptions { clock: Some(clock.clone()), ..TestOptions::default() };
    TestApp::start_with(db, options).await
}

/// Registers `name` and turns two-factor authentication on; `(user_id, mfa)`.
async fn mfa_user(app: &TestApp, name: &str) -> (String, DirectMfa) {
    let (_, id) = app.register(name).await;
    let mfa = enable_mfa_directly(app, &id);
    (id, mfa)
}

/// Logs in with the password; the answer must ask for the second factor. Answers the ticket.
async fn ticket_for(app: &TestApp, name: &str) -> String {
    let answer = app
        .anonymous()
        .post("/auth/login")
        .json(json!({"login": name, "password": PASSWORD}))
        .expect(200)
        .await;
    answer["ticket"].as_str().unwrap_or_else(|| panic!("no ticket: {answer}")).to_owned()
}

/// `POST /auth/mfa/{kind}` with `ticket` and `code`: `(status, body)`.
async fn finish(app: &TestApp, kind: &str, ticket: &str, code: &str) -> (u16, Value) {
    app.anonymous()
        .post(format!("/auth/mfa/{kind}"))
        .json(json!({"ticket": ticket, "code": code}))
        .call()
        .await
}

/// The Discord JSON code of an answer.
fn code_of(answer: &(u16, Value)) -> (u16, i64) {
    (answer.0, answer.1["code"].as_i64().unwrap_or_default())
}

backend_db_test!(a_login_with_mfa_answers_a_ticket_then_a_code_a_token, login_with_totp);
async fn login_with_totp(db: TestDb) {
    let clock = ManualClock::new(T0_US);
    let app = app_at(db, &clock).await;
    let (id, mfa) = mfa_user(&app, "ada").await;

    // The password step: Discord's MFA shape, no token.
    let answer = app
        .anonymous()
        .post("/auth/login")
        .json(json!({"login": "ada", "password": PASSWORD}))
        .expect(200)
        .await;
    let ticket = assert_mfa_answer(&answer, &id);

    // The second factor, with a browser's User-Agent: a token of a session with its client.
    let code = mfa.code_now(&app);
    let finished =
        post_as_firefox(&app, "/auth/mfa/totp", json!({"ticket": ticket, "code": code})).await;
    assert_matches_contract("TokenResponse", &finished);
    assert_eq!(finished["user_id"], json!(id));
    let token = finished["token"].as_str().unwrap().to_owned();
    let me = app.as_user(&token).get("/users/@me").expect(200).await;
    assert_eq!(me["id"], json!(id));
    let sessions = app.as_user(&token).get("/auth/sessions").expect(200).await;
    let infos: Vec<&Value> =
        sessions["user_sessions"].as_array().unwrap().iter().map(|s| &s["client_info"]).collect();
    assert!(
        infos.contains(&&json!({"os": "Linux", "platform": "Firefox", "location": null})),
        "{infos:?}"
    );

    // The ticket is used up.
    assert_eq!(code_of(&finish(&app, "totp", &ticket, &code).await), (400, 60006));
    // A TOTP code is good once, even with a fresh ticket, within its window.
    let ticket = ticket_for(&app, "ada").await;
    assert_eq!(code_of(&finish(&app, "totp", &ticket, &code).await), (400, 60008));
    // The next step's code is good (and the ticket survived one wrong code).
    clock.advance_us(STEP_US);
    let next = mfa.code_now(&app);
    assert_ne!(next, code);
    // Through the generated client.
    let body =
        VerifyMfaLoginRequest { ticket: ticket.parse().unwrap(), code: next.parse().unwrap() };
    let typed = app
        .client(None)
        .verify_mfa_login(VerifyMfaLoginAuthenticatorType::Totp, &body)
        .await
        .expect("verify_mfa_login")
        .into_inner();
    assert_eq!(typed.user_id.to_string(), id);
    app.as_user(&typed.token).get("/users/@me").expect(200).await;
    // The token enabling left is still good: logging in adds a session.
    app.as_user(&mfa.token).get("/users/@me").expect(200).await;
}

backend_db_test!(backup_codes_finish_a_login_once, backup_codes_once);
async fn backup_codes_once(db: TestDb) {
    let clock = ManualClock::new(T0_US);
    let app = app_at(db, &clock).await;
    let (_, mfa) = mfa_user(&app, "grace").await;
    let ticket = ticket_for(&app, "grace").await;
    // `backup` takes no TOTP code.
    let totp = mfa.code_now(&app);
    assert_eq!(code_of(&finish(&app, "backup", &ticket, &totp).await), (400, 60008));
    // A backup code, typed as people do (upper case, a dash), once.
    let first = &mfa.backup_codes[0];
    let typed = format!("{}-{}", &first[..4], &first[4..]).to_uppercase();
    let (status, answer) = finish(&app, "backup", &ticket, &typed).await;
    assert_eq!(status, 200, "{answer}");
    app.as_user(answer["token"].as_str().unwrap()).get("/users/@me").expect(200).await;
    let ticket = ticket_for(&app, "grace").await;
    assert_eq!(code_of(&finish(&app, "backup", &ticket, first).await), (400, 60008));
    // `totp` takes a backup code in place of a TOTP code.
    let (status, answer) = finish(&app, "totp", &ticket, &mfa.backup_codes[1]).await;
    assert_eq!(status, 200, "{answer}");
}

backend_db_test!(bad_tickets_bad_codes_and_other_methods, bad_tickets_and_methods);
async fn bad_tickets_and_methods(db: TestDb) {
    let clock = ManualClock::new(T0_US);
    let app = app_at(db, &clock).await;
    let (_, mfa) = mfa_user(&app, "linus").await;
    let code = mfa.code_now(&app);

    // A ticket that names nothing.
    let nothing = "WzgwMzUxMTEwMjI0Njc4OTEyLCJsb2dpbiJd";
    assert_eq!(code_of(&finish(&app, "totp", nothing, &code).await), (400, 60006));

    // SMS and WebAuthn are named, not offered: 50035 on the request, whatever the body.
    let ticket = ticket_for(&app, "linus").await;
    for kind in ["sms", "webauthn"] {
        let answer = finish(&app, kind, &ticket, &code).await;
        assert_eq!(code_of(&answer), (400, 50035), "{kind}");
        assert_eq!(answer.1["errors"]["_errors"][0]["code"], "MFA_METHOD_NOT_SUPPORTED");
    }
    // Any other type names no route.
    assert_eq!(code_of(&finish(&app, "email", &ticket, &code).await), (404, 0));
    // Missing fields.
    let missing = app
        .anonymous()
        .post("/auth/mfa/totp")
        .json(json!({"ticket": ticket}))
        .field_error("code")
        .await;
    assert_eq!(missing, "BASE_TYPE_REQUIRED");

    // Five wrong codes end the ticket: the right one then finds no ticket.
    for wrong in 0..5 {
        let answer = finish(&app, "totp", &ticket, "000000").await;
        assert_eq!(code_of(&answer), (400, 60008), "wrong code {wrong}");
    }
    assert_eq!(code_of(&finish(&app, "totp", &ticket, &code).await), (400, 60006));
    // A fresh ticket still works with the code (the wrong ones used nothing up).
    let ticket = ticket_for(&app, "linus").await;
    assert_eq!(finish(&app, "totp", &ticket, &code).await.0, 200);
}

backend_db_test!(the_password_and_the_account_state_come_before_the_ticket, before_the_ticket);
async fn before_the_ticket(db: TestDb) {
    let clock = ManualClock::new(T0_US);
    let app = app_at(db, &clock).await;
    // A wrong password: INVALID_LOGIN, as without two-factor authentication, and no ticket.
    let (_, mfa) = mfa_user(&app, "hopper").await;
    let (status, answer) = app.try_login("hopper", "not the password").await;
    assert_eq!(status, 400, "{answer}");
    assert_eq!(answer["errors"]["password"]["_errors"][0]["code"], "INVALID_LOGIN");
    assert!(answer.get("ticket").is_none());

    // A disabled account is said after the password, before any ticket.
    let (token, id) = app.register("quitter").await;
    app.as_user(&token)
        .post("/users/@me/disable")
        .json(json!({"password": PASSWORD}))
        .expect(204)
        .await;
    let quitter = enable_mfa_directly(&app, &id);
    let (status, answer) = app.try_login("quitter", PASSWORD).await;
    assert_eq!((status, answer["code"].as_i64()), (400, Some(20013)), "{answer}");
    assert!(answer.get("ticket").is_none());
    // `undelete` gets a ticket, but restores the account only with the second factor.
    let answer = app
        .anonymous()
        .post("/auth/login")
        .json(json!({"login": "quitter", "password": PASSWORD, "undelete": true}))
        .expect(200)
        .await;
    let ticket = answer["ticket"].as_str().unwrap().to_owned();
    let (status, _) = app.try_login("quitter", PASSWORD).await;
    assert_eq!(status, 400, "still disabled before the code");
    let (status, answer) = finish(&app, "totp", &ticket, &quitter.code_now(&app)).await;
    assert_eq!(status, 200, "{answer}");
    app.as_user(answer["token"].as_str().unwrap()).get("/users/@me").expect(200).await;
    let (status, answer) = app.try_login("quitter", PASSWORD).await;
    assert_eq!((status, answer["mfa"].as_bool()), (200, Some(true)), "restored: {answer}");
    drop(mfa);
}

/// Registers `name` with `email` through the API; `(token, user_id)`.
async fn register_with_email(app: &TestApp, name: &str, email: &str) -> (String, String) {
    let answer = app
        .anonymous()
        .post("/auth/register")
        .json(json!({"username": name, "password": PASSWORD, "email": email}))
        .expect(201)
        .await;
    (answer["token"].as_str().unwrap().to_owned(), answer["user_id"].as_str().unwrap().to_owned())
}

/// The token of the newest live mail of `kind` to `to` (waits up to 5 s).
async fn mailed_token(app: &TestApp, kind: &str, to: &str) -> String {
    for _ in 0..100 {
        let mails = app.store().outbox(app.state.now_ms(), false).unwrap();
        if let Some(mail) = mails.iter().rev().find(|m| m.kind == kind && m.recipient == to) {
            return mail
                .body
                .split_whitespace()
                .find(|w| {
                    w.len() == 43
                        && w.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
                })
                .expect("a token in the mail")
                .to_owned();
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("no {kind} mail to {to}");
}

backend_db_test!(a_reset_with_mfa_takes_two_requests, reset_with_mfa);
async fn reset_with_mfa(db: TestDb) {
    let clock = ManualClock::new(T0_US);
    let app = app_at(db, &clock).await;
    let (_, id) = register_with_email(&app, "ada", "ada@example.com").await;
    let mfa = enable_mfa_directly(&app, &id);
    app.anonymous().post("/auth/forgot").json(json!({"login": "ada"})).expect(200).await;
    let reset = mailed_token(&app, "reset", "ada@example.com").await;
    let new_password = "violet staple orbit";

    // The first request: nothing changes, a ticket (the reset token stays good).
    let first = app
        .anonymous()
        .post("/auth/reset")
        .json(json!({"token": reset, "password": new_password}))
        .expect(200)
        .await;
    let ticket = assert_mfa_answer(&first, &id);
    assert_eq!(app.try_login("ada", new_password).await.0, 400, "not reset yet");
    app.as_user(&mfa.token).get("/users/@me").expect(200).await;

    // A ticket comes with a code; a wrong code, a login's ticket, a bad ticket are refused.
    let body = |ticket: &str, code: Option<&str>| {
        let mut body = json!({"token": reset, "password": new_password, "ticket": ticket});
        if let Some(code) = code {
            body["code"] = json!(code);
        }
        body
    };
    let missing = app.anonymous().post("/auth/reset").json(body(&ticket, None)).field_error("code");
    assert_eq!(missing.await, "BASE_TYPE_REQUIRED");
    let wrong = app.anonymous().post("/auth/reset").json(body(&ticket, Some("000000")));
    wrong.refusal(400, 60008).await;
    let code = mfa.code_now(&app);
    let login_ticket = ticket_for(&app, "ada").await;
    let foreign = app.anonymous().post("/auth/reset").json(body(&login_ticket, Some(&code)));
    foreign.refusal(400, 60006).await;
    // And a reset's ticket does not finish a login.
    assert_eq!(code_of(&finish(&app, "totp", &ticket, &code).await), (400, 60006));

    // The second request: reset, every earlier token revoked, a new one answered.
    let done =
        app.anonymous().post("/auth/reset").json(body(&ticket, Some(&code))).expect(200).await;
    assert_matches_contract("LoginResponse", &done);
    assert_eq!(done["user_id"], json!(id));
    assert!(done.get("mfa").is_none(), "{done}");
    app.as_user(done["token"].as_str().unwrap()).get("/users/@me").expect(200).await;
    app.as_user(&mfa.token).get("/users/@me").expect(401).await;
    // The new password logs in, to the second factor still.
    let (status, answer) = app.try_login("ada", new_password).await;
    assert_eq!((status, answer["mfa"].as_bool()), (200, Some(true)), "{answer}");
}

backend_db_test!(verifying_an_email_with_mfa_on_issues_no_token, verify_with_mfa);
async fn verify_with_mfa(db: TestDb) {
    let clock = ManualClock::new(T0_US);
    let app = app_at(db, &clock).await;
    let (_, id) = register_with_email(&app, "grace", "grace@example.com").await;
    let mfa = enable_mfa_directly(&app, &id);
    let verify = mailed_token(&app, "verify", "grace@example.com").await;
    let answer =
        app.anonymous().post("/auth/verify").json(json!({"token": verify})).expect(200).await;
    assert_matches_contract("LoginResponse", &answer);
    assert_eq!(answer, json!({"user_id": id}));
    let me = app.as_user(&mfa.token).get("/users/@me").expect(200).await;
    assert_eq!(me["verified"], true);
}

backend_db_test!(wrong_codes_fill_the_accounts_failed_login_bucket, wrong_codes_are_limited);
async fn wrong_codes_are_limited(db: TestDb) {
    let clock = ManualClock::new(T0_US);
    let mut limits = LimiterConfig::seed_defaults();
    limits.failed_logins_per_account = Quota::new(3, Duration::from_secs(600));
    let options = TestOptions {
        clock: Some(clock.clone()),
        rate_limits: Some(limits),
        ..TestOptions::default()
    };
    let app = TestApp::start_with(db, options).await;
    let (_, mfa) = mfa_user(&app, "ada").await;
    let ticket = ticket_for(&app, "ada").await;
    for _ in 0..3 {
        assert_eq!(code_of(&finish(&app, "totp", &ticket, "000000").await), (400, 60008));
    }
    // The account's bucket is full: 429 before the code is looked at, even a right one.
    let answer = finish(&app, "totp", &ticket, &mfa.code_now(&app)).await;
    assert_eq!(answer.0, 429, "{}", answer.1);
}

/// `POST {path}` with `body` and a browser's `User-Agent`: the JSON answer.
async fn post_as_firefox(app: &TestApp, path: &str, body: Value) -> Value {
    send_with_user_agent(app, reqwest::Method::POST, path, None, FIREFOX, &body).await
}

/// Discord's answer to a password step when two-factor authentication is on: no token, a ticket.
fn assert_mfa_answer(answer: &Value, id: &str) -> String {
    assert_matches_contract("LoginResponse", answer);
    let ticket = answer["ticket"].as_str().unwrap().to_owned();
    assert_eq!(
        *answer,
        json!({"user_id": id, "mfa": true, "ticket": ticket, "totp": true, "sms": false,
               "backup": true, "webauthn": null})
    );
    ticket
}

/// The clients of the sessions `token` lists.
async fn session_clients(app: &TestApp, token: &str) -> Vec<Value> {
    let list = app.as_user(token).get("/auth/sessions").expect(200).await;
    list["user_sessions"].as_array().unwrap().iter().map(|s| s["client_info"].clone()).collect()
}

backend_db_test!(every_session_token_is_recorded_with_its_client, tokens_have_clients);
async fn tokens_have_clients(db: TestDb) {
    let clock = ManualClock::new(T0_US);
    let app = app_at(db, &clock).await;
    let firefox = json!({"os": "Linux", "platform": "Firefox", "location": null});
    // Registration.
    let body = json!({"username": "ada", "password": PASSWORD, "email": "ada@example.com"});
    let registered = post_as_firefox(&app, "/auth/register", body).await;
    let token = registered["token"].as_str().unwrap().to_owned();
    assert_eq!(session_clients(&app, &token).await, vec![firefox.clone()]);
    // Verifying the address (without two-factor authentication: a token).
    let verify = mailed_token(&app, "verify", "ada@example.com").await;
    let verified = post_as_firefox(&app, "/auth/verify", json!({"token": verify})).await;
    let token = verified["token"].as_str().unwrap().to_owned();
    assert_eq!(session_clients(&app, &token).await, vec![firefox.clone(); 2]);
    // A reset: every earlier session ends, the new one has its client.
    app.anonymous().post("/auth/forgot").json(json!({"login": "ada"})).expect(200).await;
    let reset = mailed_token(&app, "reset", "ada@example.com").await;
    let body = json!({"token": reset, "password": "violet staple orbit"});
    let done = post_as_firefox(&app, "/auth/reset", body).await;
    let token = done["token"].as_str().unwrap().to_owned();
    assert_eq!(session_clients(&app, &token).await, vec![firefox.clone()]);
    // A password change through PATCH /users/@me.
    let body = json!({"password": "violet staple orbit", "new_password": "amber quartz meadow"});
    let patch = reqwest::Method::PATCH;
    let changed =
        send_with_user_agent(&app, patch, "/users/@me", Some(&token), FIREFOX, &body).await;
    let token = changed["token"].as_str().unwrap_or_else(|| panic!("{changed}")).to_owned();
    assert_eq!(session_clients(&app, &token).await, vec![firefox.clone()]);
    // Turning TOTP on, then off: each answers the one token left, a session of the client.
    let secret = astral_server::mfa::read_secret("JBSWY3DPEHPK3PXPJBSWY3DP").unwrap();
    let code = |clock: &ManualClock| {
        astral_server::mfa::code_at(&secret, astral_ratelimit::Clock::now_us(clock) / 1_000_000)
    };
    let body = json!({"password": "amber quartz meadow", "secret": "JBSWY3DPEHPK3PXPJBSWY3DP",
                      "code": code(&clock)});
    let post = reqwest::Method::POST;
    let path = "/users/@me/mfa/totp/enable";
    let enabled =
        send_with_user_agent(&app, post.clone(), path, Some(&token), FIREFOX, &body).await;
    let token = enabled["token"].as_str().unwrap_or_else(|| panic!("{enabled}")).to_owned();
    assert_eq!(session_clients(&app, &token).await, vec![firefox.clone()]);
    clock.advance_us(30_000_000);
    let body = json!({"code": code(&clock)});
    let path = "/users/@me/mfa/totp/disable";
    let disabled = send_with_user_agent(&app, post, path, Some(&token), FIREFOX, &body).await;
    let token = disabled["token"].as_str().unwrap_or_else(|| panic!("{disabled}")).to_owned();
    assert_eq!(session_clients(&app, &token).await, vec![firefox]);
}
