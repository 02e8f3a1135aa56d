//! 64 clients at once: racing PATCHes on one user, DM creation between one pair from both
//! sides, and friend requests in both directions end in one consistent state.

use futures_util::future::join_all;
use serde_json::{json, Value};

use crate::support::{backend_tests, check_response_body, TestApp};

const CLIENTS: usize = 64;
const LOCALES: [&str; 8] = ["da", "de", "en-GB", "en-US", "es-ES", "fr", "hr", "it"];

/// A raw request that also reports `Retry-After`.
async fn send(
    app: &TestApp,
    method: &str,
    path: String,
    token: &str,
    body: Value,
) -> (u16, Option<String>, Value) {
    let response = app
        .http
        .request(method.parse().unwrap(), format!("{}{path}", app.api("v10")))
        .header("Authorization", token)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let retry_after = response
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().unwrap().to_owned());
    let text = response.text().await.unwrap();
    (
        status,
        retry_after,
        serde_json::from_str(&text).unwrap_or(Value::Null),
    )
}

/// Fails on anything but `ok` and the documented busy answer (503 with Retry-After); answers
/// how many were busy.
fn tally(
    what: &str,
    template: &str,
    method: &str,
    ok: u16,
    answers: &[(u16, Option<String>, Value)],
) -> usize {
    let mut busy = 0;
    for (status, retry_after, body) in answers {
        if *status == 503 && retry_after.is_some() {
            busy += 1;
        } else {
            assert_eq!(*status, ok, "{what}: {body}");
        }
        check_response_body(method, template, *status, body)
            .unwrap_or_else(|e| panic!("{what}: {e}"));
    }
    println!(
        "{what}: {} clients, {} answered {ok}, {busy} answered 503",
        answers.len(),
        answers.len() - busy
    );
    busy
}

backend_tests! {
    async fn sixty_four_patches_leave_exactly_one_clients_values(app) {
        let (token, _) = app.register("contested").await;
        let tagged = |i: usize| (format!("racer-{i}"), format!("Racer {i}"), LOCALES[i % LOCALES.len()]);
        let answers = join_all((0..CLIENTS).map(|i| {
            let (username, global_name, locale) = tagged(i);
            send(&app, "PATCH", "/users/@me".into(), &token, json!({"username": username, "global_name": global_name, "locale": locale}))
        }))
        .await;
        let busy = tally("PATCH /users/@me", "/users/@me", "PATCH", 200, &answers);
        // Each answer is the writer's own full set: no write saw another's fields mixed in.
        for (i, (status, _, me)) in answers.iter().enumerate() {
            if *status == 200 {
                let (username, global_name, locale) = tagged(i);
                assert_eq!((me["username"].as_str(), me["global_name"].as_str(), me["locale"].as_str()), (Some(username.as_str()), Some(global_name.as_str()), Some(locale)), "client {i}");
            }
        }
        let (_, me) = app.call("GET", "/users/@me", Some(&token), None).await;
        let winner: usize = me["username"].as_str().unwrap().strip_prefix("racer-").unwrap().parse().unwrap();
        let (username, global_name, locale) = tagged(winner);
        assert_eq!((me["username"].as_str(), me["global_name"].as_str(), me["locale"].as_str()), (Some(username.as_str()), Some(global_name.as_str()), Some(locale)), "fields of different clients mixed");
        assert_eq!(answers[winner].0, 200, "the stored values are those of a client that was refused");
        assert!(busy < CLIENTS);
    }

    async fn sixty_four_dm_opens_from_both_sides_make_one_channel(app) {
        let (a, a_id) = app.register("dm-left").await;
        let (b, b_id) = app.register("dm-right").await;
        let answers = join_all((0..CLIENTS).map(|i| {
            let (token, recipient) = if i % 2 == 0 { (&a, &b_id) } else { (&b, &a_id) };
            send(&app, "POST", "/users/@me/channels".into(), token, json!({"recipient_id": recipient}))
        }))
        .await;
        tally("POST /users/@me/channels", "/users/@me/channels", "POST", 200, &answers);
        let ids: std::collections::BTreeSet<String> = answers.iter().filter(|a| a.0 == 200).map(|a| a.2["id"].as_str().unwrap().to_owned()).collect();
        assert_eq!(ids.len(), 1, "{ids:?}");
        for (token, other) in [(&a, &b_id), (&b, &a_id)] {
            let (_, list) = app.call("GET", "/users/@me/channels", Some(token), None).await;
            let list = list.as_array().unwrap();
            assert_eq!(list.len(), 1, "{list:?}");
            assert_eq!(list[0]["id"].as_str(), ids.first().map(String::as_str));
            assert_eq!(list[0]["recipients"][0]["id"], json!(other));
        }
    }

    async fn sixty_four_friend_requests_both_ways_make_one_friendship(app) {
        let (a, a_id) = app.register("mutual-a").await;
        let (b, b_id) = app.register("mutual-b").await;
        let answers = join_all((0..CLIENTS).map(|i| {
            let (token, to) = if i % 2 == 0 { (&a, &b_id) } else { (&b, &a_id) };
            send(&app, "PUT", format!("/users/@me/relationships/{to}"), token, json!({}))
        }))
        .await;
        tally("PUT /users/@me/relationships/{user_id}", "/users/@me/relationships/{user_id}", "PUT", 204, &answers);
        for (token, other) in [(&a, &b_id), (&b, &a_id)] {
            let (_, list) = app.call("GET", "/users/@me/relationships", Some(token), None).await;
            let list = list.as_array().unwrap();
            assert_eq!(list.len(), 1, "{list:?}");
            assert_eq!((&list[0]["id"], list[0]["type"].as_i64()), (&json!(other), Some(1)), "{list:?}");
        }
    }
}
