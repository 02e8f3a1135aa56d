//! Email verification, email change and forgotten passwords (issue 16 B), on both backends:
//! mail through the outbox and through SMTP (a minimal SMTP sink the test starts), the
//! verification token, the email-change code and its `email_token`, password resets, expiry
//! (ManualClock), the per-account mail limit and `astral mail outbox`.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use astral_ratelimit::{LimiterConfig, ManualClock};
use astral_server::mail::MailSettings;
use astral_store::OutboxMail;
use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

use crate::metrics::{grew, scrape};
use crate::support::{
    astral, backend_db_test, backend_test, bot, header_text, request, TestApp, TestDb, TestOptions,
};

const PASSWORD: &str = "correct horse battery";
const T0_US: u64 = 1_800_000_000_000_000;

/// Registers `username` with `email` through the API; `(token, user_id)`.
async fn register_with_email(app: &TestApp, username: &str, email: &str) -> (String, String) {
    let answer = app
        .anonymous()
        .post("/auth/register")
        .json(json!({"username": username, "password": PASSWORD, "email": email}))
        .expect(201)
        .await;
    (answer["token"].as_str().unwrap().to_owned(), answer["user_id"].as_str().unwrap().to_owned())
}

/// The outbox's live mails now (by the app's clock), left in place.
fn outbox(app: &TestApp) -> Vec<OutboxMail> {
    app.store().outbox(app.state.now_ms(), false).unwrap()
}

/// Waits (up to 5 s: some mail is sent after the answer) for the `n`th mail of `kind` to `to`.
async fn nth_mail(app: &TestApp, kind: &str, to: &str, n: usize) -> OutboxMail {
    for _ in 0..100 {
        let mails: Vec<OutboxMail> =
            outbox(app).into_iter().filter(|m| m.kind == kind && m.recipient == to).collect();
        if mails.len() >= n {
            return mails[n - 1].clone();
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("no {kind} mail #{n} to {to}: {:?}", outbox(app));
}

async fn mail(app: &TestApp, kind: &str, to: &str) -> OutboxMail {
    nth_mail(app, kind, to, 1).await
}

/// The secret a mail carries: a token (43 base64url characters) or a 6-digit code.
fn secret_in(text: &str) -> String {
    text.split_whitespace()
        .find(|w| {
            (w.len() == 43
                && w.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'))
                || (w.len() == 6 && w.bytes().all(|b| b.is_ascii_digit()))
        })
        .unwrap_or_else(|| panic!("no secret in {text:?}"))
        .to_owned()
}

async fn me(app: &TestApp, token: &str) -> Value {
    app.as_user(token).get("/users/@me").expect(200).await
}

/// Registers `username` with `email` and verifies the address; the token from the verification.
async fn verified_user(app: &TestApp, username: &str, email: &str) -> (String, String) {
    let (_, id) = register_with_email(app, username, email).await;
    let token = secret_in(&mail(app, "verify", email).await.body);
    let answer =
        app.anonymous().post("/auth/verify").json(json!({"token": token})).expect(200).await;
    (answer["token"].as_str().unwrap().to_owned(), id)
}

backend_test!(registration_mails_a_token_that_verifies_the_address);
async fn registration_mails_a_token_that_verifies_the_address(app: TestApp) {
    let (token, id) = register_with_email(&app, "ada", "ada@example.com").await;
    assert_eq!(me(&app, &token).await["verified"], false);
    let mailed = mail(&app, "verify", "ada@example.com").await;
    let secret = secret_in(&mailed.body);
    // Only its hash is stored: the secret is in no account_secrets row.
    let verified = app
        .client(None)
        .verify_email(&astral_client::types::VerifyEmailRequest { token: secret.parse().unwrap() })
        .await
        .expect("verify")
        .into_inner();
    assert_eq!(verified.user_id.to_string(), id);
    assert_eq!(me(&app, verified.token.as_deref().expect("a token")).await["verified"], true);
    assert_eq!(me(&app, &token).await["verified"], true, "earlier tokens still work");
    // Single use.
    assert_eq!(
        app.anonymous()
            .post("/auth/verify")
            .json(json!({"token": secret}))
            .field_error("token")
            .await,
        "TOKEN_INVALID"
    );
    // Verified: no resend.
    assert_eq!(
        app.as_user(&token).post("/auth/verify/resend").field_error("email").await,
        "EMAIL_ALREADY_VERIFIED"
    );
    // Registering without an address mails nothing.
    app.register("grace").await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(outbox(&app).len(), 1, "only ada's mail");
}

backend_test!(a_resent_token_replaces_the_first_and_unknown_tokens_are_invalid);
async fn a_resent_token_replaces_the_first_and_unknown_tokens_are_invalid(app: TestApp) {
    let (token, _) = register_with_email(&app, "ada", "ada@example.com").await;
    let first = secret_in(&mail(&app, "verify", "ada@example.com").await.body);
    app.as_user(&token).post("/auth/verify/resend").expect(204).await;
    let second = secret_in(&nth_mail(&app, "verify", "ada@example.com", 2).await.body);
    assert_ne!(first, second);
    for stale in [first.as_str(), "no-such-token", &"x".repeat(43)] {
        assert_eq!(
            app.anonymous()
                .post("/auth/verify")
                .json(json!({"token": stale}))
                .field_error("token")
                .await,
            "TOKEN_INVALID",
            "{stale}"
        );
    }
    assert_eq!(
        app.anonymous().post("/auth/verify").json(json!({"token": ""})).field_error("token").await,
        "BASE_TYPE_BAD_LENGTH"
    );
    app.anonymous().post("/auth/verify").json(json!({"token": second})).expect(200).await;
    // No address at all: nothing to resend.
    let (plain, _) = app.register("grace").await;
    assert_eq!(
        app.as_user(&plain).post("/auth/verify/resend").field_error("email").await,
        "BASE_TYPE_REQUIRED"
    );
}

backend_test!(an_email_change_code_turns_into_an_email_token);
async fn an_email_change_code_turns_into_an_email_token(app: TestApp) {
    let (token, _) = verified_user(&app, "ada", "ada@example.com").await;
    app.as_user(&token).put("/users/@me/email").expect(204).await;
    let code = secret_in(&mail(&app, "email_change", "ada@example.com").await.body);
    assert_eq!(code.len(), 6);
    let answer = app
        .as_user(&token)
        .post("/users/@me/email/verify-code")
        .json(json!({"code": code}))
        .expect(200)
        .await;
    let email_token = answer["token"].as_str().unwrap();
    assert_eq!(email_token.len(), 43);
    // The code is used up.
    let again =
        app.as_user(&token).post("/users/@me/email/verify-code").json(json!({"code": code}));
    assert_eq!(again.field_error("code").await, "TOKEN_INVALID");

    // PATCH /users/@me: a verified address changes only with the token (and the password).
    let change = |token_field: Option<&str>| {
        let mut body = json!({"email": "ada@new.example", "password": PASSWORD});
        if let Some(t) = token_field {
            body["email_token"] = json!(t);
        }
        body
    };
    assert_eq!(
        app.as_user(&token).patch("/users/@me").json(change(None)).field_error("email_token").await,
        "BASE_TYPE_REQUIRED"
    );
    assert_eq!(
        app.as_user(&token)
            .patch("/users/@me")
            .json(change(Some(&"x".repeat(43))))
            .field_error("email_token")
            .await,
        "TOKEN_INVALID"
    );
    assert_eq!(me(&app, &token).await["email"], "ada@example.com", "nothing changed");
    let changed =
        app.as_user(&token).patch("/users/@me").json(change(Some(email_token))).expect(200).await;
    assert_eq!(changed["email"], "ada@new.example");
    assert_eq!(changed["verified"], false);
    assert_eq!(changed["required_actions"], json!(["REQUIRE_VERIFIED_EMAIL"]));
    // The new address is mailed its verification token, which verifies it.
    let verify = secret_in(&mail(&app, "verify", "ada@new.example").await.body);
    app.anonymous().post("/auth/verify").json(json!({"token": verify})).expect(200).await;
    assert_eq!(me(&app, &token).await["verified"], true);
    // The email_token was used up by the change: it cannot move the address again.
    assert_eq!(app
        .as_user(&token)
        .patch("/users/@me")
        .json(
            json!({"email": "ada@third.example", "password": PASSWORD, "email_token": email_token}),
        ).field_error("email_token").await, "TOKEN_INVALID");
}

backend_test!(five_wrong_codes_end_the_code);
async fn five_wrong_codes_end_the_code(app: TestApp) {
    let (token, _) = verified_user(&app, "ada", "ada@example.com").await;
    app.as_user(&token).put("/users/@me/email").expect(204).await;
    let code = secret_in(&mail(&app, "email_change", "ada@example.com").await.body);
    let wrong = if code == "000000" { "000001" } else { "000000" };
    for _ in 0..5 {
        assert_eq!(
            app.as_user(&token)
                .post("/users/@me/email/verify-code")
                .json(json!({"code": wrong}))
                .field_error("code")
                .await,
            "TOKEN_INVALID"
        );
    }
    assert_eq!(
        app.as_user(&token)
            .post("/users/@me/email/verify-code")
            .json(json!({"code": code}))
            .field_error("code")
            .await,
        "TOKEN_INVALID",
        "the right code after 5 wrong ones"
    );
    // A new code works again.
    app.as_user(&token).put("/users/@me/email").expect(204).await;
    let code = secret_in(&nth_mail(&app, "email_change", "ada@example.com", 2).await.body);
    app.as_user(&token)
        .post("/users/@me/email/verify-code")
        .json(json!({"code": code}))
        .expect(200)
        .await;
}

backend_test!(changing_needs_a_verified_address_and_bots_are_refused);
async fn changing_needs_a_verified_address_and_bots_are_refused(app: TestApp) {
    let (unverified, _) = register_with_email(&app, "ada", "ada@example.com").await;
    let (plain, _) = app.register("grace").await;
    for token in [&unverified, &plain] {
        assert_eq!(
            app.as_user(token).put("/users/@me/email").field_error("email").await,
            "EMAIL_NOT_VERIFIED"
        );
    }
    assert_eq!(
        app.as_user(&plain)
            .post("/users/@me/email/verify-code")
            .json(json!({"code": "123456"}))
            .field_error("code")
            .await,
        "TOKEN_INVALID"
    );
    let (bot_token, _) = app.create_bot("robot");
    app.authorized(&bot(&bot_token)).put("/users/@me/email").refusal(403, 20001).await;
    app.authorized(&bot(&bot_token)).post("/auth/verify/resend").refusal(403, 20001).await;
    app.authorized(&bot(&bot_token))
        .post("/users/@me/email/verify-code")
        .json(json!({"code": "123456"}))
        .refusal(403, 20001)
        .await;
}

backend_test!(forgot_answers_alike_and_reset_revokes_every_token);
async fn forgot_answers_alike_and_reset_revokes_every_token(app: TestApp) {
    let (first, id) = register_with_email(&app, "ada", "ada@example.com").await;
    let second = app.login("ada", PASSWORD).await;
    let (plain, _) = app.register("grace").await;
    // Unknown login, an account without an address, an account with one: the same answer.
    for login in ["nobody", "grace", "ADA@example.com"] {
        let body = astral_client::types::ForgotPasswordRequest { login: login.parse().unwrap() };
        let answer = app.client(None).forgot_password(&body).await.expect("forgot").into_inner();
        assert_eq!(serde_json::to_value(&answer).unwrap(), json!({"method": "password_reset"}));
    }
    let reset = secret_in(&mail(&app, "reset", "ada@example.com").await.body);
    let set_at = me(&app, &first).await["password_last_changed_at"].clone();
    tokio::time::sleep(Duration::from_millis(200)).await;
    let resets: Vec<_> = outbox(&app).into_iter().filter(|m| m.kind == "reset").collect();
    assert_eq!(resets.len(), 1, "only ada's: {resets:?}");
    // A bad token is refused before the password is looked at.
    assert_eq!(
        app.anonymous()
            .post("/auth/reset")
            .json(json!({"token": "nope", "password": "1"}))
            .field_error("password")
            .await,
        "BASE_TYPE_BAD_LENGTH"
    );
    assert_eq!(
        app.anonymous()
            .post("/auth/reset")
            .json(json!({"token": "nope", "password": "another fine passphrase"}))
            .field_error("token")
            .await,
        "TOKEN_INVALID"
    );
    // A weak password: refused, the token still good.
    for weak in ["12345678", "ada@example.com"] {
        assert_eq!(
            app.anonymous()
                .post("/auth/reset")
                .json(json!({"token": reset, "password": weak}))
                .field_error("password")
                .await,
            "PASSWORD_TOO_WEAK",
            "{weak}"
        );
    }
    let answer = app
        .anonymous()
        .post("/auth/reset")
        .json(json!({"token": reset, "password": "another fine passphrase"}))
        .expect(200)
        .await;
    assert_eq!(answer["user_id"], id.as_str());
    let fresh = answer["token"].as_str().unwrap();
    let changed = me(&app, fresh).await["password_last_changed_at"].clone();
    assert!(changed.is_string() && changed != set_at, "{set_at} then {changed}");
    for old in [&first, &second] {
        assert_eq!(app.as_user(old).get("/users/@me").call().await.0, 401);
    }
    assert_eq!(app.as_user(&plain).get("/users/@me").call().await.0, 200, "others untouched");
    me(&app, fresh).await;
    assert_eq!(app.try_login("ada", PASSWORD).await.0, 400);
    app.login("ada", "another fine passphrase").await;
    assert_eq!(
        app.anonymous()
            .post("/auth/reset")
            .json(json!({"token": reset, "password": "yet another passphrase"}))
            .field_error("token")
            .await,
        "TOKEN_INVALID",
        "single use"
    );
}

backend_test!(closing_an_account_ends_its_mailed_tokens);
async fn closing_an_account_ends_its_mailed_tokens(app: TestApp) {
    let (token, _) = register_with_email(&app, "ada", "ada@example.com").await;
    let verify = secret_in(&mail(&app, "verify", "ada@example.com").await.body);
    app.anonymous().post("/auth/forgot").json(json!({"login": "ada"})).expect(200).await;
    let reset = secret_in(&mail(&app, "reset", "ada@example.com").await.body);
    app.as_user(&token)
        .post("/users/@me/disable")
        .json(json!({"password": PASSWORD}))
        .expect(204)
        .await;
    // Neither mailed token brings the disabled account back with a session; logging in with
    // `undelete` does.
    assert_eq!(
        app.anonymous()
            .post("/auth/reset")
            .json(json!({"token": reset, "password": "another fine passphrase"}))
            .field_error("token")
            .await,
        "TOKEN_INVALID"
    );
    assert_eq!(
        app.anonymous()
            .post("/auth/verify")
            .json(json!({"token": verify}))
            .field_error("token")
            .await,
        "TOKEN_INVALID"
    );
    assert_eq!(app.try_login("ada", PASSWORD).await.0, 400, "still disabled, password unchanged");
}

async fn secrets_expire(db: TestDb) {
    let clock = ManualClock::new(T0_US);
    let options = TestOptions { clock: Some(clock.clone()), ..TestOptions::default() };
    let app = TestApp::start_with(db, options).await;
    // The verification token: 24 hours.
    register_with_email(&app, "ada", "ada@example.com").await;
    let verify = secret_in(&mail(&app, "verify", "ada@example.com").await.body);
    clock.advance_us(24 * 3600 * 1_000_000 + 1000);
    assert_eq!(
        app.anonymous()
            .post("/auth/verify")
            .json(json!({"token": verify}))
            .field_error("token")
            .await,
        "TOKEN_INVALID"
    );
    assert!(outbox(&app).is_empty(), "the outbox mail expired with its token");
    // The change code: 10 minutes.
    let (token, _) = verified_user(&app, "grace", "grace@example.com").await;
    app.as_user(&token).put("/users/@me/email").expect(204).await;
    let code = secret_in(&mail(&app, "email_change", "grace@example.com").await.body);
    clock.advance_us(10 * 60 * 1_000_000 + 1000);
    assert_eq!(
        app.as_user(&token)
            .post("/users/@me/email/verify-code")
            .json(json!({"code": code}))
            .field_error("code")
            .await,
        "TOKEN_INVALID"
    );
    // The reset token: 1 hour.
    app.anonymous().post("/auth/forgot").json(json!({"login": "grace"})).expect(200).await;
    let reset = secret_in(&mail(&app, "reset", "grace@example.com").await.body);
    clock.advance_us(3600 * 1_000_000 + 1000);
    assert_eq!(
        app.anonymous()
            .post("/auth/reset")
            .json(json!({"token": reset, "password": "another fine passphrase"}))
            .field_error("token")
            .await,
        "TOKEN_INVALID"
    );
    // Purged: nothing dead is left.
    let (secrets, _) = app.store().purge_expired_secrets(app.state.now_ms()).unwrap();
    assert!(secrets >= 1);
}
backend_db_test!(verification_code_and_reset_tokens_expire, secrets_expire);

async fn mail_limit(db: TestDb) {
    let mut config = LimiterConfig::seed_defaults();
    config.mail_per_account = "2/1h".parse().unwrap();
    let options = TestOptions { rate_limits: Some(config), ..TestOptions::default() };
    let app = TestApp::start_with(db, options).await;
    let metrics = app.start_metrics().await;
    let (token, _) = register_with_email(&app, "ada", "ada@example.com").await;
    mail(&app, "verify", "ada@example.com").await; // the first of 2
    app.as_user(&token).post("/auth/verify/resend").expect(204).await;
    let before = scrape(&app.http, &metrics).await;
    let url = format!("{}/auth/verify/resend", app.api("v10"));
    let response = request(&app.http, "POST", url, Some(&bot(&token)), None).send().await.unwrap();
    let (status, headers) = (response.status().as_u16(), response.headers().clone());
    let answer: Value = response.json().await.unwrap_or(Value::Null);
    assert_eq!(status, 429, "{answer}");
    assert_eq!(answer["global"], false);
    crate::support::assert_documented("POST", "/auth/verify/resend", 429, &answer);
    // Answered as every refusal of the limiter: the mail bucket's headers, its scope, `Via`.
    let h = |name: &str| header_text(&headers, name).unwrap_or_default().to_owned();
    assert_eq!(
        (h("x-ratelimit-scope"), h("via"), h("x-ratelimit-limit"), h("x-ratelimit-remaining")),
        ("shared".into(), "1.1 astral".into(), "2".into(), "0".into()),
        "{headers:?}"
    );
    assert!(!h("x-ratelimit-bucket").is_empty() && !h("retry-after").is_empty(), "{headers:?}");
    let after = scrape(&app.http, &metrics).await;
    let refusals = "astral_rate_limit_refusals_total{bucket=\"mail_per_account\"}";
    assert_eq!(grew(&before, &after, refusals), 1.0);
    // Forgot still answers 200 and sends nothing more.
    app.anonymous().post("/auth/forgot").json(json!({"login": "ada"})).expect(200).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(outbox(&app).len(), 2, "{:?}", outbox(&app));
}
backend_db_test!(mails_are_limited_per_account, mail_limit);

/// A minimal SMTP server: accepts every mail and records each message's DATA, but refuses
/// for good (550) any recipient whose address contains "bounce".
async fn smtp_sink() -> (u16, Arc<Mutex<Vec<String>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let received = Arc::new(Mutex::new(Vec::new()));
    let store = Arc::clone(&received);
    tokio::spawn(async move {
        loop {
            let Ok((socket, _)) = listener.accept().await else { return };
            let store = Arc::clone(&store);
            tokio::spawn(async move {
                let (read, mut write) = socket.into_split();
                let mut lines = BufReader::new(read).lines();
                write.write_all(b"220 sink ESMTP\r\n").await.unwrap();
                while let Ok(Some(line)) = lines.next_line().await {
                    let command = line.to_ascii_uppercase();
                    let reply: &[u8] = if command.starts_with("EHLO") || command.starts_with("HELO")
                    {
                        b"250 sink\r\n"
                    } else if command.starts_with("RCPT") && command.contains("BOUNCE") {
                        b"550 5.1.1 no such mailbox\r\n"
                    } else if command.starts_with("DATA") {
                        write.write_all(b"354 go ahead\r\n").await.unwrap();
                        let mut data = String::new();
                        while let Ok(Some(line)) = lines.next_line().await {
                            if line == "." {
                                break;
                            }
                            data.push_str(&line);
                            data.push('\n');
                        }
                        store.lock().unwrap().push(data);
                        b"250 queued\r\n"
                    } else if command.starts_with("QUIT") {
                        write.write_all(b"221 bye\r\n").await.unwrap();
                        return;
                    } else {
                        b"250 ok\r\n"
                    };
                    write.write_all(reply).await.unwrap();
                }
            });
        }
    });
    (port, received)
}

async fn smtp_delivery(db: TestDb) {
    let (port, received) = smtp_sink().await;
    let mail = MailSettings::new(
        Some(format!("smtp://127.0.0.1:{port}")),
        Some("Astral Test <astral@example.org>".into()),
    )
    .unwrap();
    let app = TestApp::start_with(db, TestOptions { mail, ..TestOptions::default() }).await;
    let (token, _) = register_with_email(&app, "ada", "ada@example.com").await;
    let mut data = None;
    for _ in 0..100 {
        if let Some(first) = received.lock().unwrap().first() {
            data = Some(first.clone());
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let data = data.expect("a mail reached the SMTP sink");
    assert!(data.contains("To: ada@example.com"), "{data}");
    assert!(
        data.contains("From: \"Astral Test\" <astral@example.org>")
            || data.contains("From: Astral Test <astral@example.org>"),
        "{data}"
    );
    assert!(outbox(&app).is_empty(), "SMTP, not the outbox");
    let secret = secret_in(&data);
    app.anonymous().post("/auth/verify").json(json!({"token": secret})).expect(200).await;
    assert_eq!(me(&app, &token).await["verified"], true);

    // An address the server refuses for good (550) is marked bounced on the account, which
    // then has to verify an address again; a new address clears it.
    let (token, _) = register_with_email(&app, "bea", "bounce@example.com").await;
    let mut bounced = Value::Null;
    for _ in 0..100 {
        bounced = me(&app, &token).await;
        if bounced["email_bounced"] == true {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(bounced["email_bounced"], true, "{bounced}");
    assert_eq!(bounced["required_actions"], json!(["REQUIRE_VERIFIED_EMAIL"]));
    let (status, answer) = app.as_user(&token).post("/auth/verify/resend").call().await;
    assert_eq!(status, 503, "{answer}");
    let changed = app
        .as_user(&token)
        .patch("/users/@me")
        .json(json!({"email": "bea@example.com", "password": PASSWORD}))
        .expect(200)
        .await;
    assert_eq!(changed["email_bounced"], false);
}
backend_db_test!(mail_goes_through_smtp_when_configured, smtp_delivery);

async fn smtp_down(db: TestDb) {
    // Nothing listens there: a route that exists to mail answers 503.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mail = MailSettings::new(Some(format!("smtp://127.0.0.1:{port}")), None).unwrap();
    let app = TestApp::start_with(db, TestOptions { mail, ..TestOptions::default() }).await;
    let (token, _) = register_with_email(&app, "ada", "ada@example.com").await;
    let (status, answer) = app.as_user(&token).post("/auth/verify/resend").call().await;
    assert_eq!(status, 503, "{answer}");
}
backend_db_test!(a_failed_smtp_send_is_a_503_where_mailing_is_the_point, smtp_down);

backend_test!(the_cli_prints_and_takes_the_outbox);
async fn the_cli_prints_and_takes_the_outbox(app: TestApp) {
    register_with_email(&app, "ada", "ada@example.com").await;
    let mailed = mail(&app, "verify", "ada@example.com").await;
    let url = app.db.url();
    let out = astral(&["mail", "outbox", "--json", "--database-url", &url]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<Value> = stdout.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 1, "{stdout}");
    assert_eq!(lines[0]["to"], "ada@example.com");
    assert_eq!(lines[0]["kind"], "verify");
    assert_eq!(lines[0]["body"], mailed.body.as_str());
    let out = astral(&["mail", "outbox", "--take", "--database-url", &url]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("To: ada@example.com") && text.contains(&secret_in(&mailed.body)),
        "{text}"
    );
    let out = astral(&["mail", "outbox", "--json", "--database-url", &url]);
    assert!(out.status.success());
    assert!(out.stdout.is_empty(), "taken: {}", String::from_utf8_lossy(&out.stdout));
}

backend_test!(a_token_used_twice_at_once_works_once);
async fn a_token_used_twice_at_once_works_once(app: TestApp) {
    register_with_email(&app, "ada", "ada@example.com").await;
    let verify = secret_in(&mail(&app, "verify", "ada@example.com").await.body);
    app.anonymous().post("/auth/forgot").json(json!({"login": "ada"})).expect(200).await;
    let reset = secret_in(&mail(&app, "reset", "ada@example.com").await.body);
    let anonymous = app.anonymous();
    let verify_body = json!({"token": verify});
    let (a, b) = tokio::join!(
        anonymous.post("/auth/verify").json(verify_body.clone()).call(),
        anonymous.post("/auth/verify").json(verify_body).call(),
    );
    let mut statuses = [a.0, b.0];
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 400], "{a:?} {b:?}");
    let reset_body = json!({"token": reset, "password": "another fine passphrase"});
    let (a, b) = tokio::join!(
        anonymous.post("/auth/reset").json(reset_body.clone()).call(),
        anonymous.post("/auth/reset").json(reset_body).call(),
    );
    let mut statuses = [a.0, b.0];
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 400], "{a:?} {b:?}");
}
