//! Registration, login, logout and token handling.

use serde_json::{json, Value};

use crate::support::{assert_documented, backend_test, bot, TestApp};

/// A registration body: a password long enough to pass, and `fields` (which may replace it).
fn registration(fields: Value) -> Value {
    let mut body = json!({"password": "long enough to pass"});
    if let (Some(all), Value::Object(fields)) = (body.as_object_mut(), fields) {
        all.extend(fields);
    }
    body
}

backend_test!(register_login_logout_round_trip);
async fn register_login_logout_round_trip(app: TestApp) {
    let (token, user_id) = app.register("Ada.Lovelace").await;

    // The token works under every scheme Astral accepts.
    for auth in [bot(&token), format!("Bearer {token}"), token.clone()] {
        let me = app.client(Some(&auth)).get_my_user().await.expect("get_my_user").into_inner();
        assert_eq!(me.id.to_string(), user_id);
        assert_eq!(me.username, "Ada.Lovelace");
    }

    // Login by username ignores case; each login issues a new, working token.
    let login = astral_client::types::LoginRequest {
        login: "ada.lovelace".into(),
        password: "correct horse battery".into(),
        undelete: None,
    };
    let session = app.client(None).login(&login).await.expect("login").into_inner();
    assert_eq!(session.user_id.to_string(), user_id);
    // Without two-factor authentication, a token and none of the second-factor fields.
    assert_eq!((session.mfa, &session.ticket), (None, &None));
    let session_token = session.token.expect("a token");
    assert_ne!(session_token, token);

    // Logout revokes exactly the token it was called with.
    app.expect("POST", "/auth/logout", Some(&session_token), None, 204).await;
    let (status, body) = app.call("GET", "/users/@me", Some(&session_token), None).await;
    assert_eq!((status, body), (401, json!({"message": "401: Unauthorized", "code": 0})));
    app.expect("GET", "/users/@me", Some(&token), None, 200).await;
}

backend_test!(login_by_email_and_wrong_password);
async fn login_by_email_and_wrong_password(app: TestApp) {
    let grace = json!({
        "username": "grace", "password": "grace compiles COBOL 1959", "email": "Grace@Example.org"
    });
    app.expect("POST", "/auth/register", None, Some(grace), 201).await;
    let (status, body) = app.try_login("grace@example.org", "grace compiles COBOL 1959").await;
    assert_eq!(status, 200, "{body}");
    assert_documented("POST", "/auth/login", status, &body);

    for (login, password) in [("grace", "wrong-password"), ("nobody", "grace compiles COBOL 1959")]
    {
        let (status, body) = app.try_login(login, password).await;
        assert_eq!(status, 400);
        assert_eq!(body["code"], 50035);
        assert_eq!(body["errors"]["login"]["_errors"][0]["code"], "INVALID_LOGIN");
        assert_eq!(body["errors"]["password"]["_errors"][0]["code"], "INVALID_LOGIN");
        assert_documented("POST", "/auth/login", status, &body);
    }
    // The email is private: register stored it, and only the owner sees it.
    let token = app.login("GRACE", "grace compiles COBOL 1959").await;
    let (_, me) = app.call("GET", "/users/@me", Some(&bot(&token)), None).await;
    assert_eq!(me["email"], "Grace@Example.org");
    assert_eq!(me["verified"], false);
}

backend_test!(registration_is_validated);
async fn registration_is_validated(app: TestApp) {
    app.register("taken").await;
    let cases = [
        (registration(json!({"username": "TAKEN"})), "username", "USERNAME_ALREADY_TAKEN"),
        (registration(json!({"username": "x"})), "username", "BASE_TYPE_BAD_LENGTH"),
        (registration(json!({"username": "no spaces"})), "username", "USERNAME_INVALID_CHARACTERS"),
        (registration(json!({"username": "everyone"})), "username", "USERNAME_INVALID_CONTAINS"),
        (registration(json!({})), "username", "BASE_TYPE_REQUIRED"),
        (registration(json!({"username": 42})), "username", "STRING_TYPE_CONVERT"),
        (
            registration(json!({"username": "fine", "password": "short"})),
            "password",
            "BASE_TYPE_BAD_LENGTH",
        ),
        (
            registration(json!({"username": "fine", "email": "not-an-email"})),
            "email",
            "EMAIL_TYPE_INVALID_EMAIL",
        ),
        (
            registration(json!({"username": "fine", "global_name": ""})),
            "global_name",
            "BASE_TYPE_BAD_LENGTH",
        ),
    ];
    for (body, field, code) in cases {
        let (status, answer) = app.call("POST", "/auth/register", None, Some(body.clone())).await;
        assert_eq!(status, 400, "{body}");
        assert_eq!(answer["code"], 50035, "{body}");
        assert_eq!(answer["message"], "Invalid Form Body");
        assert_eq!(answer["errors"][field]["_errors"][0]["code"], code, "{body} -> {answer}");
        assert_documented("POST", "/auth/register", status, &answer);
    }
    // Email uniqueness ignores case too.
    let first = registration(json!({"username": "first", "email": "a@b.co"}));
    app.expect("POST", "/auth/register", None, Some(first), 201).await;
    let second = registration(json!({"username": "second", "email": "A@B.CO"}));
    let answer = app.expect("POST", "/auth/register", None, Some(second), 400).await;
    assert_eq!(answer["errors"]["email"]["_errors"][0]["code"], "EMAIL_ALREADY_REGISTERED");
}

backend_test!(concurrent_registrations_of_one_name_admit_exactly_one);
async fn concurrent_registrations_of_one_name_admit_exactly_one(app: TestApp) {
    let attempts = (0..8).map(|i| {
        let name = if i % 2 == 0 { "racer" } else { "RACER" };
        app.call("POST", "/auth/register", None, Some(registration(json!({"username": name}))))
    });
    let results = futures_util::future::join_all(attempts).await;
    let created = results.iter().filter(|(s, _)| *s == 201).count();
    let taken = results
        .iter()
        .filter(|(s, b)| {
            *s == 400 && b["errors"]["username"]["_errors"][0]["code"] == "USERNAME_ALREADY_TAKEN"
        })
        .count();
    assert_eq!((created, taken), (1, 7), "{results:?}");
}

backend_test!(bad_tokens_are_401_with_discords_body);
async fn bad_tokens_are_401_with_discords_body(app: TestApp) {
    let [(token, _), (other_token, _)] = app.register_all(["owner", "other"]).await;
    // The secret of one account presented under another account's id.
    let forged = {
        let own: Vec<&str> = token.split('.').collect();
        let theirs: Vec<&str> = other_token.split('.').collect();
        format!("{}.{}.{}", theirs[0], theirs[1], own[2])
    };
    for auth in [
        None,
        Some("".to_owned()),
        Some("Bot".to_owned()),
        Some("Bot garbage".to_owned()),
        Some("Bot a.b.c".to_owned()),
        Some(bot(&forged)),
        Some(format!("Bot {token}x")),
    ] {
        let (status, body) = app.call("GET", "/users/@me", auth.as_deref(), None).await;
        assert_eq!(status, 401, "{auth:?}");
        assert_eq!(body, json!({"message": "401: Unauthorized", "code": 0}), "{auth:?}");
        assert_documented("GET", "/users/@me", status, &body);
    }
    // The generated client sees the same error as a typed value.
    let err = app.client(Some("Bot nope")).get_my_user().await.expect_err("401");
    match err {
        astral_client::Error::ErrorResponse(r) => {
            assert_eq!(r.status().as_u16(), 401);
            assert_eq!(r.code, 0);
            assert_eq!(r.message, "401: Unauthorized");
        }
        other => panic!("unexpected {other:?}"),
    }
}
