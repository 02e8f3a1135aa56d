//! `/users/@me` and `/users/{user_id}`.

use serde_json::json;

use crate::support::{
    assert_documented, assert_matches_contract, assert_matches_discord, backend_test, bot, TestApp,
};

/// `TestApp::register`'s password: a rename needs it (docs/accounts.md).
const PASSWORD: &str = "correct horse battery";

backend_test!(get_my_user_is_the_private_user_under_every_prefix);
async fn get_my_user_is_the_private_user_under_every_prefix(app: TestApp) {
    let (token, user_id) = app.register("astral-user").await;
    let mut bodies = Vec::new();
    for version in ["v10", "v9", "v1"] {
        let response = app
            .http
            .get(format!("{}/users/@me", app.api(version)))
            .header("Authorization", bot(&token))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(response.headers()["content-type"], "application/json");
        let body: serde_json::Value = response.json().await.unwrap();
        bodies.push(body);
        // The generated client works on every prefix too.
        let me =
            app.client_at(version, Some(&bot(&token))).get_my_user().await.unwrap().into_inner();
        assert_eq!(me.id.to_string(), user_id);
    }
    assert!(bodies.windows(2).all(|w| w[0] == w[1]), "{bodies:?}");
    let me = &bodies[0];
    assert_matches_contract("PrivateUserWithProfile", me);
    assert_matches_discord("UserPIIResponse", me);
    assert_eq!(me["id"], json!(user_id));
    assert!(me["id"].is_string());
    assert_eq!(me["locale"], "en-US");
    assert_eq!(me["bot"], false);
    let discriminator = me["discriminator"].as_str().unwrap();
    assert!(
        discriminator.len() == 4 && discriminator.bytes().all(|b| b.is_ascii_digit()),
        "{discriminator}"
    );
    // Nullable fields are present and null, not omitted.
    for field in ["global_name", "avatar", "banner", "accent_color", "email", "primary_guild"] {
        assert_eq!(me.get(field), Some(&serde_json::Value::Null), "{field}");
    }
    // The id is a snowflake from now, with Discord's epoch.
    let id: u64 = user_id.parse().unwrap();
    let created_ms = (id >> 22) + 1_420_070_400_000;
    let now_ms =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis()
            as u64;
    assert!(now_ms.abs_diff(created_ms) < 60_000);
}

backend_test!(get_user_is_the_public_projection);
async fn get_user_is_the_public_projection(app: TestApp) {
    let (token, _) = app.register("viewer").await;
    let registration = json!({
        "username": "target", "password": "long enough to pass", "email": "t@example.org",
        "global_name": "Tee"
    });
    let created = app.expect("POST", "/auth/register", None, Some(registration), 201).await;
    let target_id = created["user_id"].as_str().unwrap().to_owned();

    let (status, body) =
        app.call("GET", &format!("/users/{target_id}"), Some(&bot(&token)), None).await;
    assert_eq!(status, 200);
    assert_documented("GET", "/users/{user_id}", status, &body);
    assert_matches_contract("UserWithProfile", &body);
    assert_matches_discord("UserResponse", &body);
    assert_eq!(body["username"], "target");
    assert_eq!(body["global_name"], "Tee");
    for private in [
        "email",
        "verified",
        "locale",
        "mfa_enabled",
        "premium_type",
        "created_at",
        "timezone",
        "list_private",
    ] {
        assert!(body.get(private).is_none(), "{private} leaked: {body}");
    }
    let typed = app.client(Some(&bot(&token))).get_user(&target_id).await.unwrap().into_inner();
    assert_eq!(typed.id.to_string(), target_id);
}

backend_test!(unknown_users_are_10013);
async fn unknown_users_are_10013(app: TestApp) {
    let (token, _) = app.register("looker").await;
    for id in [
        "1",
        "175928847299117063",
        "not-a-number",
        "-5",
        "01",
        "99999999999999999999999",
        "1e3",
        "%20",
    ] {
        let (status, body) =
            app.call("GET", &format!("/users/{id}"), Some(&bot(&token)), None).await;
        assert_eq!(status, 404, "{id}");
        assert_eq!(body, json!({"message": "Unknown User", "code": 10013}), "{id}");
        assert_documented("GET", "/users/{user_id}", status, &body);
    }
    let err = app.client(Some(&bot(&token))).get_user("42").await.expect_err("404");
    assert!(
        matches!(err, astral_client::Error::ErrorResponse(ref r) if r.code == 10013),
        "{err:?}"
    );
}

backend_test!(patch_updates_only_what_is_sent);
async fn patch_updates_only_what_is_sent(app: TestApp) {
    let (token, user_id) = app.register("patcher").await;
    let auth = bot(&token);
    let (status, me) = app
        .authorized(&auth)
        .patch("/users/@me")
        .json(json!({"global_name": "Pat", "locale": "fr"}))
        .call()
        .await;
    assert_eq!(status, 200, "{me}");
    assert_documented("PATCH", "/users/@me", status, &me);
    assert_matches_discord("UserPIIResponse", &me);
    assert_eq!(
        (me["global_name"].as_str(), me["locale"].as_str(), me["username"].as_str()),
        (Some("Pat"), Some("fr"), Some("patcher"))
    );

    // Absent fields stay; unknown fields are ignored.
    let (_, me) = app
        .authorized(&auth)
        .patch("/users/@me")
        .json(json!({"username": "Patcher2", "unknown_field": [1, 2], "password": PASSWORD}))
        .call()
        .await;
    assert_eq!(
        (me["global_name"].as_str(), me["locale"].as_str(), me["username"].as_str()),
        (Some("Pat"), Some("fr"), Some("Patcher2"))
    );

    // null clears a nullable field.
    let (_, me) =
        app.call("PATCH", "/users/@me", Some(&auth), Some(json!({"global_name": null}))).await;
    assert_eq!(me["global_name"], serde_json::Value::Null);

    // An empty body changes nothing and answers the user.
    let (status, me) = app.call("PATCH", "/users/@me", Some(&auth), Some(json!({}))).await;
    assert_eq!((status, me["username"].as_str()), (200, Some("Patcher2")));

    // The change is stored, not just echoed, and visible publicly.
    let (_, public) = app.call("GET", &format!("/users/{user_id}"), Some(&auth), None).await;
    assert_eq!(public["username"], "Patcher2");

    // Through the generated client.
    let body = astral_client::types::UpdateMyUserRequest {
        username: Some("patcher-3".parse().unwrap()),
        global_name: Some("Typed".parse().unwrap()),
        password: Some(PASSWORD.parse().unwrap()),
        ..Default::default()
    };
    let me = app.client(Some(&auth)).update_my_user(None, &body).await.unwrap().into_inner();
    assert_eq!(
        (me.username.as_str(), me.global_name.as_deref(), me.locale),
        ("patcher-3", Some("Typed"), astral_client::types::AvailableLocalesEnum::Fr)
    );
}

backend_test!(patch_is_validated_and_changes_nothing_on_error);
async fn patch_is_validated_and_changes_nothing_on_error(app: TestApp) {
    app.register("Occupied").await;
    let (token, _) = app.register("mover").await;
    let auth = bot(&token);
    let cases = [
        (
            json!({"username": "occupied", "password": PASSWORD}),
            "username",
            "USERNAME_ALREADY_TAKEN",
        ),
        (json!({"username": "a"}), "username", "BASE_TYPE_BAD_LENGTH"),
        (json!({"username": "x".repeat(33)}), "username", "BASE_TYPE_BAD_LENGTH"),
        (json!({"username": "bad/name"}), "username", "USERNAME_INVALID_CHARACTERS"),
        (json!({"username": null}), "username", "BASE_TYPE_REQUIRED"),
        (json!({"username": ["array"]}), "username", "STRING_TYPE_CONVERT"),
        (json!({"global_name": "g".repeat(33)}), "global_name", "BASE_TYPE_BAD_LENGTH"),
        (json!({"global_name": 7}), "global_name", "STRING_TYPE_CONVERT"),
        (json!({"global_name": "nul\u{0}byte"}), "global_name", "STRING_TYPE_INVALID_CHARACTERS"),
        (json!({"locale": "xx-XX"}), "locale", "BASE_TYPE_CHOICES"),
        (json!({"locale": null}), "locale", "BASE_TYPE_REQUIRED"),
    ];
    for (body, field, code) in cases {
        let (status, answer) =
            app.call("PATCH", "/users/@me", Some(&auth), Some(body.clone())).await;
        assert_eq!(status, 400, "{body}");
        assert_eq!(answer["code"], 50035);
        assert_eq!(answer["errors"][field]["_errors"][0]["code"], code, "{body} -> {answer}");
        assert_documented("PATCH", "/users/@me", status, &answer);
    }
    // A body with one good and one bad field changes nothing.
    app.authorized(&auth)
        .patch("/users/@me")
        .json(json!({"global_name": "Half", "locale": "bogus"}))
        .expect(400)
        .await;
    let (_, me) = app.call("GET", "/users/@me", Some(&auth), None).await;
    assert_eq!(
        (me["username"].as_str(), &me["global_name"], me["locale"].as_str()),
        (Some("mover"), &serde_json::Value::Null, Some("en-US"))
    );
    // Changing only the case of one's own name is allowed (a change: it needs the password).
    let body = json!({"username": "MOVER", "password": PASSWORD});
    let (status, me) = app.call("PATCH", "/users/@me", Some(&auth), Some(body)).await;
    assert_eq!((status, me["username"].as_str()), (200, Some("MOVER")));
}
