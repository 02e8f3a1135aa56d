//! Relationships: Discord numbering, both sides consistent, every error code.

use serde_json::{json, Value};

use crate::support::{
    assert_documented, assert_matches_contract, backend_test, bot, TestApp, TestOptions,
};

async fn kinds(app: &TestApp, token: &str) -> Vec<(String, i64)> {
    let list = app.expect("GET", "/users/@me/relationships", Some(&bot(token)), None, 200).await;
    for r in list.as_array().unwrap() {
        assert_matches_contract("Relationship", r);
    }
    list.as_array()
        .unwrap()
        .iter()
        .map(|r| (r["user"]["username"].as_str().unwrap().to_owned(), r["type"].as_i64().unwrap()))
        .collect()
}

fn rel(name: &str, kind: i64) -> (String, i64) {
    (name.to_owned(), kind)
}

async fn put(app: &TestApp, token: &str, id: &str, body: Value) -> (u16, Value) {
    app.call("PUT", &format!("/users/@me/relationships/{id}"), Some(&bot(token)), Some(body)).await
}

backend_test!(request_accept_nickname_remove);
async fn request_accept_nickname_remove(app: TestApp) {
    let [(a, a_id), (b, b_id)] = app.register_all(["alice", "bob"]).await;

    // By name (case-insensitive, discriminator "0" accepted), through the generated client.
    let request = astral_client::types::FriendRequest {
        username: "BOB".into(),
        discriminator: Some("0".into()),
    };
    let sent = app.client(Some(&bot(&a))).send_friend_request(&request).await.unwrap();
    assert_eq!(sent.status().as_u16(), 204);
    assert_eq!(kinds(&app, &a).await, vec![rel("bob", 4)]);
    assert_eq!(kinds(&app, &b).await, vec![rel("alice", 3)]);
    // Sending again changes nothing.
    assert_eq!(put(&app, &a, &b_id, json!({})).await.0, 204);
    assert_eq!(kinds(&app, &b).await, vec![rel("alice", 3)]);

    // Bob accepts with PUT {}: both are friends.
    let (status, body) = put(&app, &b, &a_id, json!({})).await;
    assert_eq!(status, 204, "{body}");
    assert_eq!(kinds(&app, &a).await, vec![rel("bob", 1)]);
    assert_eq!(kinds(&app, &b).await, vec![rel("alice", 1)]);
    let (_, list) = app.call("GET", "/users/@me/relationships", Some(&bot(&a)), None).await;
    assert_eq!(list[0]["id"], json!(b_id));
    assert!(list[0]["since"].as_str().unwrap().ends_with("+00:00"));

    // Nicknames: friends only, 1–32, null clears.
    let path = format!("/users/@me/relationships/{b_id}");
    assert_eq!(
        app.call("PATCH", &path, Some(&bot(&a)), Some(json!({"nickname": "Bobby"}))).await.0,
        204
    );
    let (_, list) = app.call("GET", "/users/@me/relationships", Some(&bot(&a)), None).await;
    assert_eq!(list[0]["nickname"], "Bobby");
    let (status, body) =
        app.call("PATCH", &path, Some(&bot(&a)), Some(json!({"nickname": "x".repeat(33)}))).await;
    assert_eq!(
        (status, body["errors"]["nickname"]["_errors"][0]["code"].as_str()),
        (400, Some("BASE_TYPE_BAD_LENGTH"))
    );
    assert_eq!(
        app.call("PATCH", &path, Some(&bot(&a)), Some(json!({"nickname": null}))).await.0,
        204
    );
    let (_, list) = app.call("GET", "/users/@me/relationships", Some(&bot(&a)), None).await;
    assert_eq!(list[0]["nickname"], Value::Null);

    // Removing a friend removes both sides.
    assert_eq!(app.call("DELETE", &path, Some(&bot(&a)), None).await.0, 204);
    assert!(kinds(&app, &a).await.is_empty() && kinds(&app, &b).await.is_empty());
    let (status, body) =
        app.call("PATCH", &path, Some(&bot(&a)), Some(json!({"nickname": "late"}))).await;
    assert_eq!(
        (status, body["errors"]["nickname"]["_errors"][0]["code"].as_str()),
        (400, Some("RELATIONSHIP_NOT_FRIENDS"))
    );
    // Nor is a PATCH without `nickname` a success once the friendship is gone (api-fuzz's
    // use_after_free found it answering 204).
    let (status, body) = app.call("PATCH", &path, Some(&bot(&a)), Some(json!({}))).await;
    assert_eq!(
        (status, body["errors"]["nickname"]["_errors"][0]["code"].as_str()),
        (400, Some("RELATIONSHIP_NOT_FRIENDS"))
    );
    assert_documented("PATCH", "/users/@me/relationships/{user_id}", status, &body);
    // Removing nothing is fine.
    assert_eq!(app.call("DELETE", &path, Some(&bot(&a)), None).await.0, 204);
}

backend_test!(decline_cancel_and_block);
async fn decline_cancel_and_block(app: TestApp) {
    let [(a, a_id), (b, b_id)] = app.register_all(["carol", "dave"]).await;
    // Decline: the receiver deletes an incoming request; both sides clear.
    put(&app, &a, &b_id, json!({})).await;
    assert_eq!(
        app.call("DELETE", &format!("/users/@me/relationships/{a_id}"), Some(&bot(&b)), None)
            .await
            .0,
        204
    );
    assert!(kinds(&app, &a).await.is_empty() && kinds(&app, &b).await.is_empty());
    // Cancel: the sender deletes an outgoing request.
    put(&app, &a, &b_id, json!({})).await;
    app.call("DELETE", &format!("/users/@me/relationships/{b_id}"), Some(&bot(&a)), None).await;
    assert!(kinds(&app, &a).await.is_empty() && kinds(&app, &b).await.is_empty());

    // Block ends a friendship on both sides and shows only on the blocker's.
    put(&app, &a, &b_id, json!({})).await;
    put(&app, &b, &a_id, json!({})).await;
    assert_eq!(put(&app, &b, &a_id, json!({"type": 2})).await.0, 204);
    assert_eq!(kinds(&app, &b).await, vec![rel("carol", 2)]);
    assert!(kinds(&app, &a).await.is_empty());
    // The blocked user cannot send a request.
    let (status, body) = put(&app, &a, &b_id, json!({})).await;
    assert_eq!((status, body["code"].as_i64()), (400, Some(80000)));
    assert_documented("PUT", "/users/@me/relationships/{user_id}", status, &body);
    app.as_user(&a)
        .post("/users/@me/relationships")
        .json(json!({"username": "dave"}))
        .refusal(400, 80000)
        .await;
    // Unblock.
    assert_eq!(
        app.call("DELETE", &format!("/users/@me/relationships/{a_id}"), Some(&bot(&b)), None)
            .await
            .0,
        204
    );
    assert!(kinds(&app, &b).await.is_empty());
    assert_eq!(put(&app, &a, &b_id, json!({})).await.0, 204);
}

backend_test!(relationship_errors);
async fn relationship_errors(app: TestApp) {
    let (a, a_id) = app.register("erin").await;
    app.register("frank").await;
    let cases = [
        ("PUT", "/users/@me/relationships/1".to_owned(), Some(json!({})), 404, 10013),
        ("PUT", "/users/@me/relationships/nope".to_owned(), Some(json!({})), 404, 10013),
        ("DELETE", "/users/@me/relationships/1".to_owned(), None, 404, 10013),
        ("PUT", format!("/users/@me/relationships/{a_id}"), Some(json!({})), 400, 50035),
        ("PUT", format!("/users/@me/relationships/{a_id}"), Some(json!({"type": 3})), 400, 50035),
        (
            "PUT",
            format!("/users/@me/relationships/{a_id}"),
            Some(json!({"type": "two"})),
            400,
            50035,
        ),
        (
            "POST",
            "/users/@me/relationships".to_owned(),
            Some(json!({"username": "nobody"})),
            400,
            80004,
        ),
        (
            "POST",
            "/users/@me/relationships".to_owned(),
            Some(json!({"username": "frank", "discriminator": "99999"})),
            400,
            80004,
        ),
        ("POST", "/users/@me/relationships".to_owned(), Some(json!({})), 400, 50035),
    ];
    for (method, path, body, status, code) in cases {
        let (got, answer) = app.call(method, &path, Some(&bot(&a)), body.clone()).await;
        assert_eq!(
            (got, answer["code"].as_i64()),
            (status, Some(code)),
            "{method} {path} {body:?}: {answer}"
        );
        let template = if path.starts_with("/users/@me/relationships/") {
            "/users/@me/relationships/{user_id}"
        } else {
            "/users/@me/relationships"
        };
        assert_documented(method, template, got, &answer);
    }
}

backend_test!(bots_cannot_use_relationships);
async fn bots_cannot_use_relationships(app: TestApp) {
    let (token, _) = app.create_bot("a-bot");
    let (_, human) = app.register("human").await;
    for (method, path, body) in [
        ("GET", "/users/@me/relationships".to_owned(), None),
        ("POST", "/users/@me/relationships".to_owned(), Some(json!({"username": "human"}))),
        ("PUT", format!("/users/@me/relationships/{human}"), Some(json!({}))),
        ("PATCH", format!("/users/@me/relationships/{human}"), Some(json!({"nickname": "x"}))),
        ("DELETE", format!("/users/@me/relationships/{human}"), None),
    ] {
        let (status, answer) = app.call(method, &path, Some(&bot(&token)), body).await;
        assert_eq!(
            (status, answer),
            (403, json!({"code": 20001, "message": "Bots cannot use this endpoint"})),
            "{method} {path}"
        );
    }
}

backend_test!(simultaneous_requests_end_as_friends);
async fn simultaneous_requests_end_as_friends(app: TestApp) {
    for round in 0..20 {
        let (a, a_id) = app.register(&format!("ping{round}")).await;
        let (b, b_id) = app.register(&format!("pong{round}")).await;
        let (x, y) = futures_util::future::join(
            put(&app, &a, &b_id, json!({})),
            put(&app, &b, &a_id, json!({})),
        )
        .await;
        assert_eq!((x.0, y.0), (204, 204), "{x:?} {y:?}");
        assert_eq!(kinds(&app, &a).await, vec![rel(&format!("pong{round}"), 1)], "round {round}");
        assert_eq!(kinds(&app, &b).await, vec![rel(&format!("ping{round}"), 1)], "round {round}");
    }
}

#[actix_web::test]
async fn the_friend_limit_is_enforced_on_both_sides() {
    let app = TestApp::sqlite(TestOptions { max_friends: 2, ..TestOptions::default() }).await;
    let (hub, hub_id) = app.register("hub").await;
    for name in ["f1", "f2"] {
        let (t, id) = app.register(name).await;
        put(&app, &hub, &id, json!({})).await;
        assert_eq!(put(&app, &t, &hub_id, json!({})).await.0, 204);
    }
    let (late, late_id) = app.register("late").await;
    // The hub is full: it cannot ask, and accepting a request would exceed it.
    let (status, body) = put(&app, &hub, &late_id, json!({})).await;
    assert_eq!(
        (status, body),
        (400, json!({"code": 30002, "message": "Maximum number of friends reached (1000)"}))
    );
    assert_eq!(put(&app, &late, &hub_id, json!({})).await.0, 204);
    let (status, body) = put(&app, &hub, &late_id, json!({})).await;
    assert_eq!((status, body["code"].as_i64()), (400, Some(30002)));
    assert_eq!(kinds(&app, &late).await, vec![rel("hub", 4)]);
}
