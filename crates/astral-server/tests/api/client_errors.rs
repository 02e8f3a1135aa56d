//! The client's readable errors (`astral_client::DiscordError`) on real answers: one line with
//! the status, Discord's code and message and every field error, and the wait of a 429.

use astral_client::types::{RegisterRequest, UpdateMyUserRequest};
use astral_client::DiscordError;
use astral_ratelimit::LimiterConfig;

use crate::support::{backend_db_test, bot, TestApp, TestDb, TestOptions};

fn register_body(username: &str) -> RegisterRequest {
    RegisterRequest {
        username: username.parse().unwrap(),
        password: "correct horse battery".parse().unwrap(),
        email: None,
        global_name: None,
    }
}

async fn summaries_name_status_code_and_fields(db: TestDb) {
    let app = TestApp::start(db).await;
    let anonymous = app.client(None);
    anonymous.register(&register_body("taken")).await.unwrap();

    let err = anonymous.register(&register_body("taken")).await.unwrap_err();
    assert_eq!(err.discord().map(|b| b.code), Some(50035));
    assert_eq!(
        err.summary(),
        "400 Bad Request: 50035 Invalid Form Body \
         (username: USERNAME_ALREADY_TAKEN Username is unavailable. \
         Try adding numbers, letters, underscores _ , or periods.)"
    );
    assert_eq!(err.retry_after(), None);

    let (token, _) = app.register("reader").await;
    let err = app.client(Some(&bot(&token))).get_user("1").await.unwrap_err();
    assert_eq!(err.summary(), "404 Not Found: 10013 Unknown User");

    let err = app.client(Some("Bot nope")).get_my_user().await.unwrap_err();
    assert_eq!(err.summary(), "401 Unauthorized");
    assert_eq!(err.discord().map(|b| b.message.as_str()), Some("401: Unauthorized"));
}

async fn a_429_says_how_long_to_wait(db: TestDb) {
    let options =
        TestOptions { rate_limits: Some(LimiterConfig::seed_defaults()), ..TestOptions::default() };
    let app = TestApp::start_with(db, options).await;
    let (token, _) = app.register("patcher").await;
    let client = app.client(Some(&bot(&token)));
    let patch =
        UpdateMyUserRequest { global_name: Some("Patched".parse().unwrap()), ..Default::default() };
    client.update_my_user(None, &patch).await.unwrap();
    let err = client.update_my_user(None, &patch).await.unwrap_err();
    let wait = err.retry_after().expect("a 429 carries retry_after");
    // The PATCH bucket is 1 per 10 s: the wait is most of those 10 s, never more.
    assert!(wait.as_secs_f64() > 5.0 && wait.as_secs_f64() <= 10.0, "{wait:?}");
    let summary = err.summary();
    assert!(
        summary.starts_with("429 Too Many Requests: You are being rate limited. (retry after "),
        "{summary}"
    );
}

backend_db_test!(summaries_name_status_code_and_fields, summaries_name_status_code_and_fields);

backend_db_test!(a_429_says_how_long_to_wait, a_429_says_how_long_to_wait);
