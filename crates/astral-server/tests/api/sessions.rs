//! Sessions (issue 16 D): `GET /auth/sessions` and `POST /auth/sessions/logout`.

use std::time::{SystemTime, UNIX_EPOCH};

use astral_ratelimit::ManualClock;
use serde_json::{json, Value};

use crate::support::{
    assert_matches_contract, backend_db_test, backend_test, TestApp, TestDb, TestOptions,
};

const PASSWORD: &str = "correct horse battery";
const FIREFOX: &str = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0";

/// Logs in with a `User-Agent`; returns the token.
async fn login_as(app: &TestApp, name: &str, user_agent: &str) -> String {
    let body = json!({"login": name, "password": PASSWORD});
    let post = reqwest::Method::POST;
    let answer =
        crate::support::send_with_user_agent(app, post, "/auth/login", None, user_agent, &body)
            .await;
    answer["token"].as_str().unwrap().to_owned()
}

async fn sessions(app: &TestApp, token: &str) -> Vec<Value> {
    let list = app.as_user(token).get("/auth/sessions").expect(200).await;
    assert_matches_contract("AuthSessionList", &list);
    list["user_sessions"].as_array().unwrap().clone()
}

backend_test!(sessions_list_each_token_with_its_client);
async fn sessions_list_each_token_with_its_client(app: TestApp) {
    let (registered, _) = app.register("traveller").await;
    let firefox = login_as(&app, "traveller", FIREFOX).await;
    let bot_library = login_as(
        &app,
        "traveller",
        "DiscordBot (https://github.com/Rapptz/discord.py 2.4.0) Python/3.12",
    )
    .await;
    let listed = sessions(&app, &firefox).await;
    assert_eq!(listed.len(), 3, "{listed:?}");
    // The logins were used (issued) more recently than the registration's token; the
    // registration's has no client.
    let infos: Vec<&Value> = listed.iter().map(|s| &s["client_info"]).collect();
    assert!(infos.contains(&&json!({"os": "Linux", "platform": "Firefox", "location": null})));
    assert!(infos.contains(&&json!({"os": null, "platform": "discord.py", "location": null})));
    assert_eq!(listed[2]["client_info"], json!({"os": null, "platform": null, "location": null}));
    for session in &listed {
        assert_eq!(session["id_hash"].as_str().unwrap().len(), 11);
        assert!(session["approx_last_used_time"].as_str().unwrap().ends_with("+00:00"));
    }
    // Through the generated client too.
    let client = app.client(Some(&format!("Bot {registered}")));
    let typed = client.list_auth_sessions().await.unwrap().into_inner();
    assert_eq!(typed.user_sessions.len(), 3);
    drop(bot_library);
}

backend_test!(at_most_fifty_sessions_are_listed);
async fn at_most_fifty_sessions_are_listed(app: TestApp) {
    let (token, id) = app.register("collector").await;
    let store = app.store();
    let user = id.parse().unwrap();
    for i in 0..60 {
        store.create_token(user, &format!("{i:064x}")).unwrap();
    }
    assert_eq!(sessions(&app, &token).await.len(), 50);
}

backend_test!(logging_out_by_id_hash_ends_only_the_callers_sessions);
async fn logging_out_by_id_hash_ends_only_the_callers_sessions(app: TestApp) {
    let (first, _) = app.register("sessionful").await;
    let second = app.login("sessionful", PASSWORD).await;
    let (stranger, _) = app.register("stranger").await;
    let mine = sessions(&app, &first).await;
    // A stranger naming the caller's sessions ends nothing (204: unknown hashes are ignored).
    let hashes: Vec<Value> = mine.iter().map(|s| s["id_hash"].clone()).collect();
    app.as_user(&stranger)
        .post("/auth/sessions/logout")
        .json(json!({"session_id_hashes": hashes}))
        .expect(204)
        .await;
    app.as_user(&first).get("/users/@me").expect(200).await;
    app.as_user(&second).get("/users/@me").expect(200).await;
    // Unknown and malformed hashes are ignored too.
    app.as_user(&first)
        .post("/auth/sessions/logout")
        .json(json!({"session_id_hashes": ["AAAAAAAAAAA", "not a hash"]}))
        .expect(204)
        .await;
    assert_eq!(sessions(&app, &first).await.len(), 2);
    // The owner ends both of theirs, the current one included.
    app.as_user(&first)
        .post("/auth/sessions/logout")
        .json(json!({"session_id_hashes": hashes}))
        .expect(204)
        .await;
    app.as_user(&first).get("/users/@me").refusal(401, 0).await;
    app.as_user(&second).get("/users/@me").refusal(401, 0).await;
    app.as_user(&stranger).get("/users/@me").expect(200).await;
    // Bounds: 1–64 hashes.
    let (third, _) = app.register("bounded").await;
    for body in
        [json!({"session_id_hashes": []}), json!({"session_id_hashes": vec!["a"; 65]}), json!({})]
    {
        let refused =
            app.as_user(&third).post("/auth/sessions/logout").json(body).refusal(400, 50035).await;
        assert!(refused["errors"]["session_id_hashes"].is_object(), "{refused}");
    }
}

backend_test!(bots_have_no_sessions);
async fn bots_have_no_sessions(app: TestApp) {
    let (bot, _) = app.create_bot("sessionless-bot");
    app.as_user(&bot).get("/auth/sessions").refusal(403, 20001).await;
    app.as_user(&bot)
        .post("/auth/sessions/logout")
        .json(json!({"session_id_hashes": ["AAAAAAAAAAA"]}))
        .refusal(403, 20001)
        .await;
    app.anonymous().get("/auth/sessions").refusal(401, 0).await;
}

backend_db_test!(
    last_use_is_written_at_most_every_five_minutes,
    last_use_is_written_at_most_every_five_minutes
);
async fn last_use_is_written_at_most_every_five_minutes(db: TestDb) {
    let now_us = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_micros() as u64;
    let clock = ManualClock::new(now_us);
    let app = TestApp::start_with(
        db,
        TestOptions { clock: Some(clock.clone()), ..TestOptions::default() },
    )
    .await;
    app.register("clockwatcher").await;
    let token = app.login("clockwatcher", PASSWORD).await;
    let last_used = |listed: &[Value]| {
        listed
            .iter()
            .map(|s| s["approx_last_used_time"].as_str().unwrap().to_owned())
            .max()
            .unwrap()
    };
    let at_login = last_used(&sessions(&app, &token).await);
    // Four minutes later: still the login's time (nothing written).
    clock.advance_us(4 * 60 * 1_000_000);
    app.as_user(&token).get("/users/@me").expect(200).await;
    assert_eq!(last_used(&sessions(&app, &token).await), at_login);
    // Past five minutes: the next request has it written, once, by the last-use writer
    // (off the request's path, so it lands shortly after the answer).
    clock.advance_us(2 * 60 * 1_000_000);
    app.as_user(&token).get("/users/@me").expect(200).await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    let touched = loop {
        let now = last_used(&sessions(&app, &token).await);
        if now > at_login || std::time::Instant::now() > deadline {
            break now;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    };
    assert!(touched > at_login, "{touched} vs {at_login}");
    clock.advance_us(60 * 1_000_000);
    app.as_user(&token).get("/users/@me").expect(200).await;
    assert_eq!(last_used(&sessions(&app, &token).await), touched);
}
