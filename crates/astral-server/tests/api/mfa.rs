//! Two-factor authentication (issue 16 C-e): `POST /users/@me/mfa/totp/enable`, `…/disable`
//! and `POST /users/@me/mfa/codes-verification`, on a fixed clock so codes are known.

use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use astral_ratelimit::{Clock, ManualClock};
use astral_server::mfa::{code_at, read_secret};
use serde_json::{json, Value};

use crate::process::ServerProcess;
use crate::support::{
    assert_matches_contract, astral, backend_db_test, TestApp, TestDb, TestOptions, TEST_MFA_KEY,
};

const PASSWORD: &str = "correct horse battery";
const SECRET: &str = "JBSWY3DPEHPK3PXP";
/// 2027-01-15T08:00:00Z, in the middle of a 30-second step.
const T0_SECS: u64 = 1_800_000_015;

/// An app on a manual clock at [`T0_SECS`].
async fn app_at_t0(db: TestDb) -> (TestApp, Arc<ManualClock>) {
    let clock = ManualClock::new(T0_SECS * 1_000_000);
    let options = TestOptions { clock: Some(clock.clone()), ..TestOptions::default() };
    (TestApp::start_with(db, options).await, clock)
}

fn now_secs(clock: &ManualClock) -> u64 {
    clock.now_us() / 1_000_000
}

/// The code of [`SECRET`] at the clock's time.
fn code(clock: &ManualClock) -> String {
    code_at(&read_secret(SECRET).unwrap(), now_secs(clock))
}

/// Enables TOTP for the user of `token`; returns the answer (`token`, `backup_codes`).
async fn enable(app: &TestApp, token: &str, clock: &ManualClock) -> Value {
    let body = json!({"password": PASSWORD, "secret": SECRET, "code": code(clock)});
    let enabled =
        app.as_user(token).post("/users/@me/mfa/totp/enable").json(body).expect(200).await;
    assert_matches_contract("EnableTotpResponse", &enabled);
    enabled
}

fn codes_of(answer: &Value) -> Vec<String> {
    let codes = answer["backup_codes"].as_array().unwrap();
    codes.iter().map(|c| c["code"].as_str().unwrap().to_owned()).collect()
}

backend_db_test!(enabling_refuses_in_order, enabling_refuses_in_order);
async fn enabling_refuses_in_order(db: TestDb) {
    let (app, clock) = app_at_t0(db).await;
    let (token, _) = app.register("enroller").await;
    let me = app.as_user(&token);
    let path = "/users/@me/mfa/totp/enable";
    let good = || json!({"password": PASSWORD, "secret": SECRET, "code": code(&clock)});
    // Bots first.
    let (bot, _) = app.create_bot("enrolling-bot");
    app.as_user(&bot).post(path).json(good()).refusal(403, 20001).await;
    // The body, then the password.
    me.post(path).json(json!({"secret": 5})).field_error("secret").await;
    let missing = me.post(path).json(json!({"secret": SECRET})).field_error("password").await;
    assert_eq!(missing, "BASE_TYPE_REQUIRED");
    let mut wrong = good();
    wrong["password"] = json!("not the password");
    assert_eq!(me.post(path).json(wrong).field_error("password").await, "PASSWORD_DOES_NOT_MATCH");
    // The secret: missing, too short, not base32, too long.
    for secret in [None, Some("JBSWY3DPEHPK3PX"), Some("JBSWY3DPEHPK3PX1"), Some(&*"A".repeat(65))]
    {
        let mut body = json!({"password": PASSWORD, "code": code(&clock)});
        if let Some(secret) = secret {
            body["secret"] = json!(secret);
        }
        me.post(path).json(body).refusal(400, 60005).await;
    }
    // The code: missing, wrong, a code of another time (two steps away).
    let earlier = code_at(&read_secret(SECRET).unwrap(), T0_SECS - 60);
    for code in [None, Some("000000".to_owned()), Some("12345".to_owned()), Some(earlier)] {
        let mut body = json!({"password": PASSWORD, "secret": SECRET});
        if let Some(code) = code {
            if code != code_at(&read_secret(SECRET).unwrap(), T0_SECS) {
                body["code"] = json!(code);
            }
        }
        me.post(path).json(body).refusal(400, 60008).await;
    }
    // Nothing changed so far.
    let user = me.get("/users/@me").expect(200).await;
    assert_eq!(
        (user["mfa_enabled"].clone(), user["authenticator_types"].clone()),
        (json!(false), json!([]))
    );
    // Spaces and lower case as a person types the secret are fine.
    let body = json!({"password": PASSWORD, "secret": "jbsw y3dp ehpk 3pxp", "code": code(&clock)});
    let enabled = me.post(path).json(body).expect(200).await;
    let new = enabled["token"].as_str().unwrap();
    // Twice: 60001 (after the password).
    app.as_user(new).post(path).json(good()).refusal(400, 60001).await;
}

backend_db_test!(
    enabling_answers_one_token_and_ten_codes,
    enabling_answers_one_token_and_ten_codes
);
async fn enabling_answers_one_token_and_ten_codes(db: TestDb) {
    let (app, clock) = app_at_t0(db).await;
    let (registered, id) = app.register("guarded").await;
    let other_session = app.login("guarded", PASSWORD).await;
    // Through the generated client.
    let body = astral_client::types::EnableTotpRequest {
        password: Some(PASSWORD.to_owned()),
        secret: Some(SECRET.to_owned()),
        code: Some(code(&clock)),
    };
    let client = app.client(Some(&format!("Bot {registered}")));
    let enabled = client.enable_totp(&body).await.unwrap().into_inner();
    assert_eq!(enabled.backup_codes.len(), 10);
    for backup in &enabled.backup_codes {
        assert_eq!(backup.user_id.to_string(), id);
        assert!(!backup.consumed);
        assert_eq!(backup.code.len(), 8);
        assert!(backup.code.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()));
    }
    // Every earlier token is revoked; the new one works.
    app.as_user(&registered).get("/users/@me").refusal(401, 0).await;
    app.as_user(&other_session).get("/users/@me").refusal(401, 0).await;
    let user = app.as_user(&enabled.token).get("/users/@me").expect(200).await;
    assert_eq!(user["mfa_enabled"], json!(true));
    assert_eq!(user["authenticator_types"], json!([2]));
    // The codes as codes-verification shows them, through the client too.
    let view = astral_client::types::BackupCodesRequest {
        password: Some(PASSWORD.to_owned()),
        regenerate: None,
        key: None,
        nonce: None,
    };
    let client = app.client(Some(&format!("Bot {}", enabled.token)));
    let viewed = client.get_backup_codes(&view).await.unwrap().into_inner();
    let codes = |list: &[astral_client::types::BackupCode]| -> Vec<(String, bool)> {
        list.iter().map(|c| (c.code.clone(), c.consumed)).collect()
    };
    assert_eq!(codes(&viewed.backup_codes), codes(&enabled.backup_codes));
}

backend_db_test!(the_enabling_code_is_good_once, the_enabling_code_is_good_once);
async fn the_enabling_code_is_good_once(db: TestDb) {
    let (app, clock) = app_at_t0(db).await;
    let (token, _) = app.register("oncer").await;
    let enabled = enable(&app, &token, &clock).await;
    let token = enabled["token"].as_str().unwrap();
    let disable = "/users/@me/mfa/totp/disable";
    // The same code at the same time: refused (it was used to enable).
    app.as_user(token).post(disable).json(json!({"code": code(&clock)})).refusal(400, 60008).await;
    // Without any factor: 401 / 60003 with a ticket.
    let asked = app.as_user(token).post(disable).refusal(401, 60003).await;
    assert!(asked["mfa"]["ticket"].is_string(), "{asked}");
    // The next step's code is good, once.
    clock.advance_us(30 * 1_000_000);
    let disabled =
        app.as_user(token).post(disable).json(json!({"code": code(&clock)})).expect(200).await;
    assert_matches_contract("MfaTokenResponse", &disabled);
    let new = disabled["token"].as_str().unwrap();
    app.as_user(token).get("/users/@me").refusal(401, 0).await;
    let user = app.as_user(new).get("/users/@me").expect(200).await;
    assert_eq!(
        (user["mfa_enabled"].clone(), user["authenticator_types"].clone()),
        (json!(false), json!([]))
    );
    // Off: 60002, before any factor is asked.
    app.as_user(new).post(disable).refusal(400, 60002).await;
    app.as_user(new)
        .post("/users/@me/mfa/codes-verification")
        .json(json!({"password": PASSWORD}))
        .refusal(400, 60002)
        .await;
    // And it can be turned on again.
    clock.advance_us(30 * 1_000_000);
    enable(&app, new, &clock).await;
}

backend_db_test!(backup_codes_are_good_once, backup_codes_are_good_once);
async fn backup_codes_are_good_once(db: TestDb) {
    let (app, clock) = app_at_t0(db).await;
    let (token, _) = app.register("backedup").await;
    let enabled = enable(&app, &token, &clock).await;
    let token = enabled["token"].as_str().unwrap();
    let codes = codes_of(&enabled);
    // A backup code proves a rename (Fluxer's inline proof), once, typed in upper case with a
    // dash.
    let typed = format!("{}-{}", &codes[0][..4], &codes[0][4..]).to_ascii_uppercase();
    let rename =
        |name: &str, code: &str| json!({"username": name, "mfa_method": "totp", "mfa_code": code});
    app.as_user(token).patch("/users/@me").json(rename("backedup2", &typed)).expect(200).await;
    app.as_user(token)
        .patch("/users/@me")
        .json(rename("backedup3", &codes[0]))
        .refusal(400, 60008)
        .await;
    // The view shows it used.
    let viewed = app
        .as_user(token)
        .post("/users/@me/mfa/codes-verification")
        .json(json!({"password": PASSWORD}))
        .expect(200)
        .await;
    assert_matches_contract("BackupCodesResponse", &viewed);
    let consumed: Vec<bool> = viewed["backup_codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["consumed"] == json!(true))
        .collect();
    assert_eq!(consumed, [true, false, false, false, false, false, false, false, false, false]);
    assert_eq!(codes_of(&viewed), codes);
    // Another turns it off.
    let disable = "/users/@me/mfa/totp/disable";
    app.as_user(token).post(disable).json(json!({"code": codes[1]})).expect(200).await;
}

backend_db_test!(regenerated_codes_replace_the_old, regenerated_codes_replace_the_old);
async fn regenerated_codes_replace_the_old(db: TestDb) {
    let (app, clock) = app_at_t0(db).await;
    let (token, _) = app.register("regenerator").await;
    let enabled = enable(&app, &token, &clock).await;
    let token = enabled["token"].as_str().unwrap();
    let old = codes_of(&enabled);
    let path = "/users/@me/mfa/codes-verification";
    let me = app.as_user(token);
    // The password, not Discord's mailed key.
    let missing =
        me.post(path).json(json!({"key": "k", "nonce": "n"})).field_error("password").await;
    assert_eq!(missing, "BASE_TYPE_REQUIRED");
    let wrong = me.post(path).json(json!({"password": "nope"})).field_error("password").await;
    assert_eq!(wrong, "PASSWORD_DOES_NOT_MATCH");
    me.post(path)
        .json(json!({"password": PASSWORD, "regenerate": "yes"}))
        .field_error("regenerate")
        .await;
    let fresh =
        me.post(path).json(json!({"password": PASSWORD, "regenerate": true})).expect(200).await;
    let new = codes_of(&fresh);
    assert_eq!(new.len(), 10);
    assert!(new.iter().all(|c| !old.contains(c)), "{old:?} {new:?}");
    // The view answers the new ones; an old code no longer works, a new one does.
    let viewed =
        me.post(path).json(json!({"password": PASSWORD, "regenerate": false})).expect(200).await;
    assert_eq!(codes_of(&viewed), new);
    let disable = "/users/@me/mfa/totp/disable";
    me.post(disable).json(json!({"code": old[0]})).refusal(400, 60008).await;
    me.post(disable).json(json!({"code": new[0]})).expect(200).await;
    // Bots have none.
    let (bot, _) = app.create_bot("codeless-bot");
    let bot_me = app.as_user(&bot);
    bot_me.post(path).json(json!({"password": PASSWORD})).refusal(403, 20001).await;
    bot_me.post(disable).refusal(403, 20001).await;
}

backend_db_test!(without_a_key_mfa_is_not_configured, without_a_key_mfa_is_not_configured);
async fn without_a_key_mfa_is_not_configured(db: TestDb) {
    let clock = ManualClock::new(T0_SECS * 1_000_000);
    let options =
        TestOptions { clock: Some(clock.clone()), mfa_key: None, ..TestOptions::default() };
    let app = TestApp::start_with(db, options).await;
    let (token, _) = app.register("keyless").await;
    let body = json!({"password": PASSWORD, "secret": SECRET, "code": code(&clock)});
    let refused =
        app.as_user(&token).post("/users/@me/mfa/totp/enable").json(body).refusal(400, 50035).await;
    // Request-level: no field is at fault.
    assert_eq!(refused["errors"]["_errors"][0]["code"], "MFA_NOT_CONFIGURED", "{refused}");
    let user = app.as_user(&token).get("/users/@me").expect(200).await;
    assert_eq!(user["mfa_enabled"], json!(false));
}

backend_db_test!(serving_needs_the_key_accounts_were_sealed_with, serving_needs_the_right_key);
async fn serving_needs_the_right_key(db: TestDb) {
    let url = db.url();
    // `app` owns the database (a file, a schema): it lives to the end of the test.
    let (app, clock) = app_at_t0(db).await;
    let (token, _) = app.register("sealed").await;
    enable(&app, &token, &clock).await;
    let wrong = astral_server::crypto::MfaKey::generate_base64();
    for (key, says) in [
        (
            None,
            "ASTRAL_MFA_KEY (mfa_key) is required: 1 account(s) have two-factor authentication on",
        ),
        (Some(wrong.as_str()), "does not open the stored two-factor secrets"),
    ] {
        let media = tempfile::tempdir().unwrap();
        let mut cmd = crate::process::command(&url, media.path(), &[]);
        cmd.env_remove("ASTRAL_MFA_KEY")
            .env("ASTRAL_BIND", format!("127.0.0.1:{}", crate::process::free_port()))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        if let Some(key) = key {
            cmd.env("ASTRAL_MFA_KEY", key);
        }
        let mut child = cmd.spawn().expect("spawn astral serve");
        let deadline = Instant::now() + Duration::from_secs(30);
        let status = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break status;
            }
            if Instant::now() > deadline {
                child.kill().unwrap();
                panic!("astral serve started without the right mfa_key ({key:?})");
            }
            std::thread::sleep(Duration::from_millis(50));
        };
        let mut stderr = String::new();
        std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
        assert!(!status.success(), "{stderr}");
        assert!(stderr.contains(says), "{stderr}");
        assert!(!stderr.contains(&wrong), "the key was printed: {stderr}");
    }
    // With the key they were sealed with, it serves.
    let mut server = ServerProcess::serve(&url, &[("ASTRAL_MFA_KEY", TEST_MFA_KEY)]).await;
    server.sigterm();
    server.wait_exit(Duration::from_secs(20)).await.expect("exits after SIGTERM");
    drop(app);
}

/// `astral mfa-key` needs no database.
#[test]
fn the_mfa_key_command_prints_a_usable_key() {
    let out = astral(&["mfa-key"]);
    assert!(out.status.success(), "{out:?}");
    let printed = String::from_utf8(out.stdout).unwrap();
    let key = printed.trim();
    assert!(astral_server::crypto::MfaKey::from_base64(key).is_ok(), "{printed:?}");
    let again = String::from_utf8(astral(&["mfa-key"]).stdout).unwrap();
    assert_ne!(again.trim(), key, "a new key each time");
}

backend_db_test!(two_factor_secrets_are_never_logged, two_factor_secrets_are_never_logged);
async fn two_factor_secrets_are_never_logged(db: TestDb) {
    let filter = "debug,astral_server=trace,astral_store=trace,astral_ratelimit=trace";
    let env = [("ASTRAL_LOG", filter), ("ASTRAL_MFA_KEY", TEST_MFA_KEY)];
    let mut server = ServerProcess::serve(&db.url(), &env).await;
    let http = reqwest::Client::new();
    let api = server.api();
    let registered = crate::process::register_account(&http, &api, "logged_mfa").await;
    let token = registered["token"].as_str().unwrap().to_owned();
    let post = |path: &str, token: &str, body: Value| {
        http.post(format!("{api}{path}"))
            .header("Authorization", token.to_owned())
            .json(&body)
            .send()
    };
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs();
    let code = code_at(&read_secret(SECRET).unwrap(), now);
    let body = json!({"password": PASSWORD, "secret": SECRET, "code": code});
    let enabled = post("/users/@me/mfa/totp/enable", &token, body).await.unwrap();
    assert_eq!(enabled.status(), 200);
    let enabled: Value = enabled.json().await.unwrap();
    let token = enabled["token"].as_str().unwrap().to_owned();
    let viewed = post("/users/@me/mfa/codes-verification", &token, json!({"password": PASSWORD}))
        .await
        .unwrap();
    assert_eq!(viewed.status(), 200);
    let codes = codes_of(&enabled);
    let wrong = post("/users/@me/mfa/totp/disable", &token, json!({"code": "zzzz9999"})).await;
    assert_eq!(wrong.unwrap().status(), 400);
    let disabled = post("/users/@me/mfa/totp/disable", &token, json!({"code": codes[3]})).await;
    assert_eq!(disabled.unwrap().status(), 200);
    server.sigterm();
    server.wait_exit(Duration::from_secs(20)).await.expect("exits after SIGTERM");
    let log = server.logs();
    assert!(log.contains("mfa"), "the requests were logged");
    let mut secrets = vec![SECRET.to_owned(), "zzzz9999".to_owned(), TEST_MFA_KEY.to_owned()];
    secrets.extend(codes);
    for secret in secrets {
        assert!(!log.contains(&secret), "the log holds {secret:?}:\n{log}");
    }
}
