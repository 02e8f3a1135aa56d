//! pronouns.cc's short ids (`sid`): assigned to every new user, rerolled at most once an hour
//! (`GET`/`POST /users/@me/reroll`, an injected clock), unique under concurrent rerolls; lookup
//! of `GET /users/{user_id}` by id, username and short id; that operation without a token
//! (charged to the address's unauthenticated bucket); `badges` and `is_admin` set through the
//! CLI.

use std::collections::BTreeSet;
use std::sync::Arc;

use astral_ratelimit::{LimiterConfig, ManualClock};
use futures_util::future::join_all;
use serde_json::{json, Value};

use crate::support::{
    assert_documented, assert_matches_contract, assert_matches_discord, astral, backend_db_test,
    backend_test, bot, header_text, TestApp, TestDb, TestOptions,
};

/// 2023-11-14T22:13:20Z.
const T0_US: u64 = 1_700_000_000_000_000;
const T0_ISO: &str = "2023-11-14T22:13:20.000+00:00";
const HOUR_US: u64 = 3_600_000_000;

fn is_sid(value: &Value) -> bool {
    value.as_str().is_some_and(|s| s.len() == 5 && s.bytes().all(|b| b.is_ascii_lowercase()))
}

async fn me(app: &TestApp, token: &str) -> Value {
    app.expect("GET", "/users/@me", Some(token), None, 200).await
}

backend_test!(every_new_user_has_a_distinct_five_letter_sid);
async fn every_new_user_has_a_distinct_five_letter_sid(app: TestApp) {
    let mut tokens = Vec::new();
    for i in 0..12 {
        tokens.push(bot(&app.register(&format!("person{i}")).await.0));
    }
    // The CLI creates accounts through the same store method.
    tokens.push(bot(&app.create_bot("cli-bot").0));
    let mut sids = BTreeSet::new();
    for token in &tokens {
        let me = me(&app, token).await;
        assert_matches_contract("PrivateUserWithProfile", &me);
        assert_matches_discord("UserPIIResponse", &me);
        assert!(is_sid(&me["sid"]), "{me}");
        assert_eq!(
            (&me["badges"], &me["is_admin"], &me["last_sid_reroll"]),
            (&json!(0), &json!(false), &Value::Null)
        );
        // Anyone sees the same short id and badges on the public profile, and nothing
        // self-only.
        let id = me["id"].as_str().unwrap();
        let public = app.expect("GET", &format!("/users/{id}"), None, None, 200).await;
        assert_matches_contract("UserWithProfile", &public);
        assert_matches_discord("UserResponse", &public);
        assert_eq!((&public["sid"], &public["badges"]), (&me["sid"], &json!(0)));
        for private in ["is_admin", "last_sid_reroll", "email", "locale"] {
            assert!(public.get(private).is_none(), "{private} leaked: {public}");
        }
        sids.insert(me["sid"].as_str().unwrap().to_owned());
    }
    assert_eq!(sids.len(), tokens.len(), "two users share a short id: {sids:?}");
}

async fn app_with_clock(db: TestDb) -> (TestApp, Arc<ManualClock>) {
    let clock = ManualClock::new(T0_US);
    let options = TestOptions { clock: Some(clock.clone()), ..TestOptions::default() };
    (TestApp::start_with(db, options).await, clock)
}

async fn a_reroll_waits_an_hour(db: TestDb) {
    let (app, clock) = app_with_clock(db).await;
    let (token, _) = app.register("reroller").await;
    let auth = bot(&token);
    let client = app.client(Some(&auth));
    let before = me(&app, &auth).await;

    // The generated client, GET: a new short id, and the time of the reroll.
    let rerolled = client.reroll_my_short_id().await.unwrap().into_inner();
    assert_ne!(rerolled.sid, before["sid"].as_str().unwrap());
    assert!(is_sid(&json!(rerolled.sid)), "{}", rerolled.sid);
    assert_eq!(rerolled.last_sid_reroll.as_deref(), Some(T0_ISO));
    let now = me(&app, &auth).await;
    assert_eq!(
        (now["sid"].as_str(), now["last_sid_reroll"].as_str()),
        (Some(&*rerolled.sid), Some(T0_ISO))
    );

    // Within the hour, by either method: 403, Astral's code 2004, and the wait in seconds.
    for method in ["GET", "POST"] {
        let refused =
            app.refusal(method, "/users/@me/reroll", Some(&auth), None, (403, 2004)).await;
        assert_eq!(
            refused,
            json!({"code": 2004, "message": "You can only reroll your short ID once an hour.", "retry_after": 3600.0})
        );
    }
    clock.advance_us(HOUR_US - 1_000);
    let refused = app.refusal("POST", "/users/@me/reroll", Some(&auth), None, (403, 2004)).await;
    assert_eq!(refused["retry_after"], json!(0.001));
    // Nothing changed by the refusals.
    assert_eq!(me(&app, &auth).await, now);

    // A HEAD is served as GET everywhere, but here changes nothing.
    clock.advance_us(1_000);
    let head = app
        .http
        .head(format!("{}/users/@me/reroll", app.api("v10")))
        .header("Authorization", &auth);
    let response = head.send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(me(&app, &auth).await, now, "HEAD rerolled");
    // Without a token, HEAD is refused like GET.
    let response =
        app.http.head(format!("{}/users/@me/reroll", app.api("v10"))).send().await.unwrap();
    assert_eq!(response.status(), 401);

    // An hour after the reroll, the generated client's POST works.
    let again = client.reroll_my_short_id_post().await.unwrap().into_inner();
    assert_ne!(again.sid, rerolled.sid);
    assert_eq!(again.last_sid_reroll.as_deref(), Some("2023-11-14T23:13:20.000+00:00"));
    let answer = me(&app, &auth).await;
    assert_documented("POST", "/users/@me/reroll", 200, &answer);
    assert_eq!(answer["sid"].as_str(), Some(&*again.sid));
    // The old short id names nobody now; the new one names the user.
    app.refusal("GET", &format!("/users/{}", rerolled.sid), None, None, (404, 10013)).await;
    let found = app.expect("GET", &format!("/users/{}", again.sid), None, None, 200).await;
    assert_eq!(found["id"], answer["id"]);
}

backend_db_test!(a_reroll_waits_an_hour, a_reroll_waits_an_hour);

async fn concurrent_rerolls_stay_unique(db: TestDb) {
    let (app, _clock) = app_with_clock(db).await;
    let mut tokens = Vec::new();
    for i in 0..24 {
        tokens.push(bot(&app.register(&format!("racer{i}")).await.0));
    }
    // Every user at once: all succeed, all short ids distinct.
    let answers =
        join_all(tokens.iter().map(|t| app.call("POST", "/users/@me/reroll", Some(t), None))).await;
    let mut sids = BTreeSet::new();
    for (status, body) in &answers {
        assert_eq!(*status, 200, "{body}");
        sids.insert(body["sid"].as_str().unwrap().to_owned());
    }
    assert_eq!(sids.len(), tokens.len(), "concurrent rerolls handed out one short id twice");
    let listed: BTreeSet<String> = join_all(tokens.iter().map(|t| me(&app, t)))
        .await
        .iter()
        .map(|me| me["sid"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(listed, sids);

    // One user rerolling 8 times at once: exactly one reroll, the others refused.
    let (token, _) = app.register("eager").await;
    let auth = bot(&token);
    let answers =
        join_all((0..8).map(|_| app.call("GET", "/users/@me/reroll", Some(&auth), None))).await;
    let statuses: Vec<u16> = answers.iter().map(|(s, _)| *s).collect();
    assert_eq!(statuses.iter().filter(|s| **s == 200).count(), 1, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == 403).count(), 7, "{statuses:?}");
    let winner = answers.iter().find(|(s, _)| *s == 200).unwrap();
    assert_eq!(me(&app, &auth).await["sid"], winner.1["sid"]);
}

backend_db_test!(concurrent_rerolls_stay_unique, concurrent_rerolls_stay_unique);

backend_test!(get_user_finds_by_id_username_or_short_id);
async fn get_user_finds_by_id_username_or_short_id(app: TestApp) {
    let (token, id) = app.register("Lookup.Me").await;
    let auth = bot(&token);
    let sid = me(&app, &auth).await["sid"].as_str().unwrap().to_owned();
    let client = app.client(None);
    for name in [
        id.clone(),
        "Lookup.Me".into(),
        "lookup.me".into(),
        "LOOKUP.ME".into(),
        sid.clone(),
        sid.to_uppercase(),
    ] {
        let found = client.get_user(&name).await.unwrap().into_inner();
        assert_eq!(
            (found.id.to_string(), found.sid.as_str()),
            (id.clone(), sid.as_str()),
            "{name}"
        );
    }

    // An all-digit username is a snowflake too: tried as an id first, then as a name.
    let (digits_token, digits_id) = app.register("12345").await;
    let found = app.expect("GET", "/users/12345", None, None, 200).await;
    assert_eq!(found["id"], json!(digits_id));
    assert_eq!(found["username"], "12345");
    // Its id still finds it as an id.
    let found = app.expect("GET", &format!("/users/{digits_id}"), None, None, 200).await;
    assert_eq!(found["id"], json!(digits_id));
    drop(digits_token);

    // A username that is someone else's short id: the name wins (names are looked up first).
    let (shadow_token, shadow_id) = app.register(&sid).await;
    let found =
        app.expect("GET", &format!("/users/{sid}"), Some(&bot(&shadow_token)), None, 200).await;
    assert_eq!(found["id"], json!(shadow_id));
    assert_ne!(shadow_id, id);

    // Nothing by any reading: 10013, with or without a token.
    for unknown in ["1", "nobody-here", "zzzzz", "175928847299117063", "-5", "%20"] {
        for token in [None, Some(auth.as_str())] {
            let body =
                app.refusal("GET", &format!("/users/{unknown}"), token, None, (404, 10013)).await;
            assert_eq!(body, json!({"message": "Unknown User", "code": 10013}), "{unknown}");
        }
    }
    // The other routes with a `{user_id}` take ids only.
    app.refusal("GET", "/users/Lookup.Me/profile", Some(&auth), None, (404, 10013)).await;
}

async fn anonymous_profiles_are_charged_to_the_address(db: TestDb) {
    let clock = ManualClock::new(T0_US);
    let mut config = LimiterConfig::seed_defaults();
    config.unauthenticated = "3/60s".parse().unwrap();
    let options = TestOptions {
        rate_limits: Some(config),
        clock: Some(clock.clone()),
        ..TestOptions::default()
    };
    let app = TestApp::start_with(db, options).await;
    // Registering is itself an unauthenticated request: through an unlimited second instance.
    let helper = app.another_instance(TestOptions::default()).await;
    let (token, id) = helper.register("public-person").await;

    let get = |auth: Option<String>| {
        let mut request = app.http.get(format!("{}/users/{id}", app.api("v10")));
        if let Some(a) = auth {
            request = request.header("Authorization", a);
        }
        request.send()
    };
    let header = |r: &reqwest::Response, name: &str| {
        header_text(r.headers(), name).unwrap_or_default().to_owned()
    };
    // Anonymous: the address's unauthenticated bucket (3/60s) counts down, then 429.
    let mut anonymous_bucket = String::new();
    for remaining in ["2", "1", "0"] {
        let r = get(None).await.unwrap();
        assert_eq!(r.status(), 200);
        assert_eq!(
            (header(&r, "x-ratelimit-limit"), header(&r, "x-ratelimit-remaining")),
            ("3".to_owned(), remaining.to_owned())
        );
        anonymous_bucket = header(&r, "x-ratelimit-bucket");
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["username"], "public-person");
    }
    let r = get(None).await.unwrap();
    assert_eq!(r.status(), 429);
    // A token that does not authenticate is charged like none, and still 401 once admitted.
    clock.advance_us(60_000_000);
    let r = get(Some("Bot forged.token.value".into())).await.unwrap();
    assert_eq!(r.status(), 401);
    // A valid token has its own bucket, not the address's.
    let r = get(Some(bot(&token))).await.unwrap();
    assert_eq!(r.status(), 200);
    assert_ne!(header(&r, "x-ratelimit-bucket"), anonymous_bucket);
    assert_ne!(header(&r, "x-ratelimit-limit"), "3");
}

backend_db_test!(
    anonymous_profiles_are_charged_to_the_address,
    anonymous_profiles_are_charged_to_the_address
);

backend_test!(a_bad_token_is_still_401_on_get_user);
async fn a_bad_token_is_still_401_on_get_user(app: TestApp) {
    let (token, id) = app.register("guarded").await;
    for bad in ["Bot forged.token.value", "garbage", "Bearer "] {
        let body = app.refusal("GET", &format!("/users/{id}"), Some(bad), None, (401, 0)).await;
        assert_eq!(body, json!({"message": "401: Unauthorized", "code": 0}), "{bad}");
    }
    // Logged out: the token is revoked, and so refused here too.
    app.expect("POST", "/auth/logout", Some(&bot(&token)), None, 204).await;
    app.refusal("GET", &format!("/users/{id}"), Some(&bot(&token)), None, (401, 0)).await;
    // The generated client without a token.
    let found = app.client(None).get_user(&id).await.unwrap().into_inner();
    assert_eq!(found.username, "guarded");
}

backend_test!(badges_and_admin_are_set_through_the_cli);
async fn badges_and_admin_are_set_through_the_cli(app: TestApp) {
    let url = app.db.url();
    let (token, id) = app.register("decorated").await;
    let auth = bot(&token);
    let sid = me(&app, &auth).await["sid"].as_str().unwrap().to_owned();

    // By username (any case), then by short id, then by id.
    let out = astral(&["users", "set-badges", "DECORATED", "5", "--database-url", &url]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let printed: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        printed,
        json!({"id": id, "username": "decorated", "sid": sid, "badges": 5, "is_admin": false})
    );
    let out = astral(&["users", "set-admin", &sid, "true", "--database-url", &url]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));

    let mine = app.client(Some(&auth)).get_my_user().await.unwrap().into_inner();
    assert_eq!((mine.badges, mine.is_admin), (5, true));
    let public = app.client(None).get_user(&id).await.unwrap().into_inner();
    assert_eq!(public.badges, 5);
    let raw = app.expect("GET", &format!("/users/{id}"), None, None, 200).await;
    assert!(raw.get("is_admin").is_none(), "{raw}");
    // is_admin grants no API power: an administrator is refused another's guild like anyone.
    let (owner, _) = app.register("guild-owner").await;
    let guild =
        app.as_user(&owner).post("/guilds").json(json!({"name": "Theirs"})).expect(201).await;
    let path = format!("/guilds/{}", guild["id"].as_str().unwrap());
    app.refusal("GET", &path, Some(&auth), None, (403, 50001)).await;

    let out = astral(&["users", "set-admin", &id, "false", "--database-url", &url]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let out = astral(&["users", "set-badges", &id, "0", "--database-url", &url]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let mine = me(&app, &auth).await;
    assert_eq!((&mine["badges"], &mine["is_admin"]), (&json!(0), &json!(false)));

    // Refused: a negative or non-numeric bitmask, a value that is not true/false, nobody.
    for args in [
        vec!["users", "set-badges", "decorated", "-1"],
        vec!["users", "set-badges", "decorated", "many"],
        vec!["users", "set-admin", "decorated", "yes please"],
        vec!["users", "set-admin", "nobody-at-all", "true"],
        vec!["users", "set-badges", "1", "3"],
    ] {
        let mut args = args.clone();
        args.extend(["--database-url", &url]);
        let out = astral(&args);
        assert!(!out.status.success(), "{args:?} succeeded");
        assert!(out.stdout.is_empty(), "{args:?}");
    }
    let out = astral(&["users", "set-admin", "nobody-at-all", "true", "--database-url", &url]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("no user \"nobody-at-all\""));
    // Nothing changed by the refusals.
    let mine = me(&app, &auth).await;
    assert_eq!((&mine["badges"], &mine["is_admin"]), (&json!(0), &json!(false)));
}
