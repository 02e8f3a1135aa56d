//! The private account (issue 16 A): `GET /users/@me`'s account fields, `PATCH /users/@me`'s
//! account fields, re-authentication and the password change (docs/accounts.md).

use std::time::Duration;

use astral_ratelimit::{LimiterConfig, Quota};
use serde_json::{json, Value};

use reqwest::header::HeaderMap;

use crate::metrics::{grew, scrape};
use crate::support::{
    assert_documented, assert_matches_contract, assert_matches_discord, astral, backend_db_test,
    backend_test, bot, header_text, request, TestApp, TestDb, TestOptions,
};

const PASSWORD: &str = "correct horse battery";

/// The code of the first error at `field` of a 50035 answer.
fn field_code(answer: &Value, field: &str) -> String {
    answer["errors"][field]["_errors"][0]["code"].as_str().unwrap_or_default().to_owned()
}

/// `PATCH /users/@me` as the user of `token`: `(status, body)`.
async fn patch(app: &TestApp, token: &str, body: Value) -> (u16, Value) {
    app.as_user(token).patch("/users/@me").json(body).call().await
}

/// A PATCH that must be refused with 50035 and `code` at `field`.
async fn refused_at(app: &TestApp, token: &str, body: Value, field: &str, code: &str) -> Value {
    let answer =
        app.as_user(token).patch("/users/@me").json(body.clone()).refusal(400, 50035).await;
    assert_eq!(field_code(&answer, field), code, "{body} -> {answer}");
    answer
}

async fn me(app: &TestApp, token: &str) -> Value {
    app.as_user(token).get("/users/@me").expect(200).await
}

backend_test!(account_fields_are_stored_and_answered);
async fn account_fields_are_stored_and_answered(app: TestApp) {
    let (token, _) = app.register("accountant").await;
    let fresh = me(&app, &token).await;
    assert_matches_contract("PrivateUserWithProfile", &fresh);
    assert_matches_discord("UserPIIResponse", &fresh);
    // The fixed values of a server without billing, phones, MFA or avatar colours.
    for (key, value) in [
        ("phone", Value::Null),
        ("pronouns", Value::Null),
        ("avatar_color", Value::Null),
        ("banner_color", Value::Null),
        ("authenticator_types", json!([])),
        ("is_staff", json!(false)),
        ("acls", json!([])),
        ("traits", json!([])),
        ("premium_since", Value::Null),
        ("premium_until", Value::Null),
        ("premium_will_cancel", json!(false)),
        ("premium_billing_cycle", Value::Null),
        ("premium_lifetime_sequence", Value::Null),
        ("premium_purchase_disabled", json!(true)),
        ("required_actions", json!([])),
        ("nsfw_allowed", Value::Null),
        ("has_ever_purchased", json!(false)),
        ("unread_gift_inventory_count", json!(0)),
        ("pending_bulk_message_deletion", Value::Null),
        ("email_bounced", json!(false)),
    ] {
        assert_eq!(fresh.get(key), Some(&value), "{key}: {fresh}");
    }
    assert!(fresh.get("token").is_none(), "{fresh}");
    // Registration recorded when the password was set.
    assert!(fresh["password_last_changed_at"].is_string(), "{fresh}");

    let toggles = [
        "premium_badge_hidden",
        "premium_badge_masked",
        "premium_badge_timestamp_hidden",
        "premium_badge_sequence_hidden",
        "premium_enabled_override",
        "has_dismissed_premium_onboarding",
        "has_unread_gift_inventory",
        "used_mobile_client",
    ];
    let mut body = json!({
        "discriminator": "7", "password": PASSWORD, "accent_color": 16777215,
        "pronouns": "she/her",
    });
    for toggle in toggles {
        assert_eq!(fresh[toggle], false, "{toggle}");
        body[toggle] = json!(true);
    }
    // Through the generated client.
    let request: astral_client::types::UpdateMyUserRequest = serde_json::from_value(body).unwrap();
    let answer = app.client(Some(&bot(&token))).update_my_user(None, &request).await.unwrap();
    let answer = serde_json::to_value(answer.into_inner()).unwrap();
    assert_matches_contract("PrivateUserWithProfile", &answer);
    assert_matches_discord("UserPIIResponse", &answer);
    assert_eq!(answer["discriminator"], "0007");
    assert_eq!(answer["accent_color"], 16777215);
    assert_eq!(answer["pronouns"], "she/her");
    for toggle in toggles {
        assert_eq!(answer[toggle], true, "{toggle}");
    }
    assert!(answer.get("token").is_none(), "no password change, no token: {answer}");
    let stored = me(&app, &token).await;
    assert_eq!(stored, answer);

    // `null` clears; `""` clears the pronouns too; a toggle goes back to false.
    let (status, cleared) = patch(
        &app,
        &token,
        json!({"accent_color": null, "pronouns": "", "used_mobile_client": false}),
    )
    .await;
    assert_eq!(status, 200, "{cleared}");
    assert_eq!(cleared["accent_color"], Value::Null);
    assert_eq!(cleared["pronouns"], Value::Null);
    assert_eq!(cleared["used_mobile_client"], false);
    assert_eq!(cleared["premium_badge_hidden"], true);
    let (_, again) = patch(&app, &token, json!({"pronouns": "they/them"})).await;
    assert_eq!(again["pronouns"], "they/them");
    let (_, cleared) = patch(&app, &token, json!({"pronouns": null})).await;
    assert_eq!(cleared["pronouns"], Value::Null);
    // Other users never see the account fields.
    let (other, _) = app.register("onlooker").await;
    let id = answer["id"].as_str().unwrap();
    let public = app.as_user(&other).get(format!("/users/{id}")).expect(200).await;
    for key in ["pronouns", "is_staff", "acls", "traits", "premium_badge_hidden", "phone"] {
        assert!(public.get(key).is_none(), "{key} shown to another user: {public}");
    }
    assert_eq!(public["accent_color"], Value::Null);
}

backend_test!(account_fields_out_of_bounds_are_refused);
async fn account_fields_out_of_bounds_are_refused(app: TestApp) {
    let (token, _) = app.register("bounded").await;
    let with_password = |mut body: Value| {
        body["password"] = json!(PASSWORD);
        body
    };
    refused_at(&app, &token, json!({"accent_color": -1}), "accent_color", "NUMBER_TYPE_MIN").await;
    refused_at(&app, &token, json!({"accent_color": 16777216}), "accent_color", "NUMBER_TYPE_MAX")
        .await;
    refused_at(&app, &token, json!({"accent_color": "red"}), "accent_color", "NUMBER_TYPE_COERCE")
        .await;
    for bad in ["12345", "ab", "", "1a"] {
        let body = with_password(json!({"discriminator": bad}));
        refused_at(&app, &token, body, "discriminator", "BASE_TYPE_REGEX_MISMATCH").await;
    }
    let long = "x".repeat(41);
    refused_at(&app, &token, json!({"pronouns": long}), "pronouns", "BASE_TYPE_BAD_LENGTH").await;
    refused_at(&app, &token, json!({"pronouns": 3}), "pronouns", "STRING_TYPE_CONVERT").await;
    refused_at(
        &app,
        &token,
        json!({"used_mobile_client": "yes"}),
        "used_mobile_client",
        "BOOLEAN_TYPE_CONVERT",
    )
    .await;
    refused_at(&app, &token, json!({"email": null}), "email", "EMAIL_CANNOT_BE_REMOVED").await;
    refused_at(
        &app,
        &token,
        json!({"email": "not-an-address"}),
        "email",
        "EMAIL_TYPE_INVALID_EMAIL",
    )
    .await;
    refused_at(
        &app,
        &token,
        json!({"new_password": "short"}),
        "new_password",
        "BASE_TYPE_BAD_LENGTH",
    )
    .await;
    // 40 characters are fine; nothing was changed by the refusals.
    let forty = "y".repeat(40);
    let (status, answer) = patch(&app, &token, json!({"pronouns": forty})).await;
    assert_eq!((status, answer["pronouns"].as_str()), (200, Some(forty.as_str())), "{answer}");
    assert_eq!(answer["accent_color"], Value::Null);
    // An array under `pronouns` is still pronouns.cc's alias of `pronoun_entries`.
    let entries = json!([{"pronouns": "she/her", "status": "okay"}]);
    let (status, answer) = patch(&app, &token, json!({"pronouns": entries})).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["pronoun_entries"], entries);
    assert_eq!(answer["pronouns"], forty.as_str(), "the plain pronouns stay");
}

backend_test!(the_avatar_colour_is_its_mean_colour);
async fn the_avatar_colour_is_its_mean_colour(app: TestApp) {
    let (token, _) = app.register("colourful").await;
    let avatar = crate::support::solid_png_uri([0x12, 0x34, 0x56, 255]);
    let answer = patch(&app, &token, json!({"avatar": avatar})).await.1;
    assert_eq!(answer["avatar_color"], json!(0x12_34_56), "{answer}");
    // Without a banner, Discord shows the avatar's colour there.
    assert_eq!(answer["banner_color"], json!(0x12_34_56));
    assert_eq!(me(&app, &token).await["avatar_color"], json!(0x12_34_56), "stored");
    let banner = crate::support::solid_png_uri([0xff, 0, 0, 255]);
    let answer = patch(&app, &token, json!({"banner": banner})).await.1;
    assert_eq!(
        (answer["avatar_color"].clone(), answer["banner_color"].clone()),
        (json!(0x12_34_56), Value::Null)
    );
    // Another change leaves it; clearing the avatar clears it.
    let answer = patch(&app, &token, json!({"global_name": "Hue"})).await.1;
    assert_eq!(answer["avatar_color"], json!(0x12_34_56));
    let answer = patch(&app, &token, json!({"avatar": null})).await.1;
    assert_eq!(answer["avatar_color"], Value::Null, "{answer}");
}

backend_test!(unsupported_second_factors_are_refused);
async fn unsupported_second_factors_are_refused(app: TestApp) {
    let (token, _) = app.register("no-mfa").await;
    // SMS and WebAuthn: not offered by this server.
    for (field, value) in [
        ("mfa_method", json!("sms")),
        ("mfa_method", json!("webauthn")),
        ("webauthn_response", json!({})),
        ("webauthn_challenge", json!("abc")),
    ] {
        let body = json!({ field: value, "global_name": "Changed" });
        refused_at(&app, &token, body, field, "MFA_METHOD_NOT_SUPPORTED").await;
    }
    // A TOTP code from an account without two-factor authentication proves nothing: said, not
    // ignored.
    let body = json!({"mfa_method": "totp", "mfa_code": "123456", "global_name": "Changed"});
    app.as_user(&token).patch("/users/@me").json(body).refusal(400, 60002).await;
    assert_eq!(me(&app, &token).await["global_name"], Value::Null, "nothing changed");
}

backend_test!(sensitive_changes_need_the_current_password);
async fn sensitive_changes_need_the_current_password(app: TestApp) {
    let (token, _) = app.register("careful").await;
    let discriminator = me(&app, &token).await["discriminator"].as_str().unwrap().to_owned();
    for body in [
        json!({"username": "careless"}),
        json!({"name": "careless"}),
        json!({"discriminator": if discriminator == "0001" { "2" } else { "1" }}),
        json!({"email": "careful@example.org"}),
        json!({"new_password": "a brand new passphrase"}),
    ] {
        let answer = refused_at(&app, &token, body.clone(), "password", "BASE_TYPE_REQUIRED").await;
        assert!(answer["errors"].get("username").is_none(), "{answer}");
        let mut wrong = body.clone();
        wrong["password"] = json!("not the password at all");
        let answer = refused_at(&app, &token, wrong, "password", "PASSWORD_DOES_NOT_MATCH").await;
        assert_eq!(
            answer["errors"]["password"]["_errors"][0]["message"],
            "Password does not match."
        );
    }
    let unchanged = me(&app, &token).await;
    assert_eq!(
        (unchanged["username"].as_str(), unchanged["email"].as_str()),
        (Some("careful"), None)
    );
    // The same values are no change and need no password.
    let same =
        json!({"username": "careful", "discriminator": discriminator, "global_name": "Care"});
    let (status, answer) = patch(&app, &token, same).await;
    assert_eq!(status, 200, "{answer}");
    // A password sent is checked even when nothing needs it.
    refused_at(
        &app,
        &token,
        json!({"global_name": "X", "password": "wrong wrong wrong"}),
        "password",
        "PASSWORD_DOES_NOT_MATCH",
    )
    .await;
    // With the password, the rename happens.
    let body = json!({"name": "careless", "password": PASSWORD});
    let (status, answer) = patch(&app, &token, body).await;
    assert_eq!((status, answer["username"].as_str()), (200, Some("careless")), "{answer}");
}

backend_test!(bots_rename_without_a_password_but_cannot_set_email_or_password);
async fn bots_rename_without_a_password_but_cannot_set_email_or_password(app: TestApp) {
    let (token, _) = app.create_bot("robot");
    // discord.py's `ClientUser.edit(username=...)` sends no password.
    let (status, answer) = patch(&app, &token, json!({"username": "robot2"})).await;
    assert_eq!((status, answer["username"].as_str()), (200, Some("robot2")), "{answer}");
    for body in [
        json!({"email": "robot@example.org"}),
        json!({"new_password": "a brand new passphrase"}),
        json!({"email": "robot@example.org", "password": "whatever it is"}),
    ] {
        app.as_user(&token).patch("/users/@me").json(body).refusal(403, 20001).await;
    }
    let me = me(&app, &token).await;
    assert_eq!(me["email"], Value::Null);
    assert_eq!(me["password_last_changed_at"], Value::Null);
}

backend_test!(a_password_change_revokes_every_token_and_answers_a_new_one);
async fn a_password_change_revokes_every_token_and_answers_a_new_one(app: TestApp) {
    let (token, _) = app.register("rotator").await;
    let second = app.login("rotator", PASSWORD).await;
    let before = me(&app, &token).await["password_last_changed_at"].clone();
    // The one password rule, at `new_password`.
    let weak = json!({"new_password": "password123", "password": PASSWORD});
    refused_at(&app, &token, weak, "new_password", "PASSWORD_TOO_WEAK").await;
    let same_as_name = json!({"new_password": "rotator", "password": PASSWORD});
    refused_at(&app, &token, same_as_name, "new_password", "BASE_TYPE_BAD_LENGTH").await;
    assert_eq!(me(&app, &second).await["username"], "rotator", "a refusal revokes nothing");

    std::thread::sleep(Duration::from_millis(5));
    let new_password = "violet staple engine orbit";
    let body = json!({"new_password": new_password, "password": PASSWORD});
    let request: astral_client::types::UpdateMyUserRequest = serde_json::from_value(body).unwrap();
    let answer = app.client(Some(&bot(&token))).update_my_user(None, &request).await.unwrap();
    let answer = serde_json::to_value(answer.into_inner()).unwrap();
    assert_matches_contract("PrivateUserWithProfile", &answer);
    assert_matches_discord("UserPIIResponse", &answer);
    let fresh = answer["token"].as_str().expect("a new token").to_owned();
    for old in [&token, &second] {
        app.as_user(old).get("/users/@me").refusal(401, 0).await;
    }
    let now = me(&app, &fresh).await;
    assert!(now.get("token").is_none(), "only the PATCH answer carries it: {now}");
    assert!(now["password_last_changed_at"].is_string());
    assert_ne!(now["password_last_changed_at"], before, "moved");
    assert_eq!(app.try_login("rotator", PASSWORD).await.0, 400);
    assert_eq!(app.try_login("rotator", new_password).await.0, 200);
}

backend_test!(email_changes_follow_the_rules);
async fn email_changes_follow_the_rules(app: TestApp) {
    let (token, _) = app.register("mailer").await;
    let registration = json!({
        "username": "taken-mail", "password": "long enough to pass", "email": "Taken@example.org",
    });
    app.anonymous().post("/auth/register").json(registration).expect(201).await;
    // A first email needs only the password; it is stored unverified.
    let body = json!({"email": "first@example.org", "password": PASSWORD});
    let (status, answer) = patch(&app, &token, body).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(
        (answer["email"].as_str(), answer["verified"].as_bool()),
        (Some("first@example.org"), Some(false))
    );
    assert_eq!(answer["required_actions"], json!(["REQUIRE_VERIFIED_EMAIL"]));
    // An unverified email is changed the same way; the same address is no change.
    let (status, answer) = patch(&app, &token, json!({"email": "first@example.org"})).await;
    assert_eq!(status, 200, "{answer}");
    let body = json!({"email": "second@example.org", "password": PASSWORD});
    let (status, answer) = patch(&app, &token, body).await;
    assert_eq!((status, answer["email"].as_str()), (200, Some("second@example.org")), "{answer}");
    // Another account's address (ignoring case).
    let body = json!({"email": "taken@EXAMPLE.org", "password": PASSWORD});
    refused_at(&app, &token, body, "email", "EMAIL_ALREADY_REGISTERED").await;
    refused_at(
        &app,
        &token,
        json!({"email": null, "password": PASSWORD}),
        "email",
        "EMAIL_CANNOT_BE_REMOVED",
    )
    .await;
}

/// Wrong passwords through `PATCH /users/@me` fill the account's failed-login bucket: past it,
/// 429 before the password is checked (even the right one), as for `/auth/login`. That 429 is
/// answered as every refusal of the limiter is (docs/rate-limits.md): `Retry-After`,
/// `X-RateLimit-Scope: shared`, `Via`, the failed-login bucket's headers, and a count under
/// `failed_logins_per_account` in the metrics.
async fn reauth_limit(db: TestDb) {
    let mut config = LimiterConfig::seed_defaults();
    config.global = Quota::new(1000, Duration::from_secs(1));
    config.routes.clear();
    config.failed_logins_per_account = Quota::new(3, Duration::from_secs(600));
    let options = TestOptions { rate_limits: Some(config), ..TestOptions::default() };
    let app = TestApp::start_with(db, options).await;
    let metrics = app.start_metrics().await;
    let (token, _) = app.register("guessed").await;
    let guess = |n: usize| json!({"username": "stolen", "password": format!("guess number {n}")});
    // A right password gives its place back.
    let right = json!({"global_name": "Fine", "password": PASSWORD});
    assert_eq!(patch(&app, &token, right).await.0, 200);
    for n in 0..3 {
        refused_at(&app, &token, guess(n), "password", "PASSWORD_DOES_NOT_MATCH").await;
    }
    let before = scrape(&app.http, &metrics).await;
    let (status, headers, answer) = patch_with_headers(&app, &token, guess(3)).await;
    assert_eq!(status, 429, "{answer}");
    assert_documented("PATCH", "/users/@me", 429, &answer);
    let h = |name: &str| header_text(&headers, name).unwrap_or_default().to_owned();
    assert_eq!(
        (h("x-ratelimit-scope"), h("via"), h("x-ratelimit-limit"), h("x-ratelimit-remaining")),
        ("shared".into(), "1.1 astral".into(), "3".into(), "0".into()),
        "{headers:?}"
    );
    assert_eq!(answer["global"], false);
    // Full again in 10 minutes, said the same way in the body and in each header.
    let retry_after = answer["retry_after"].as_f64().unwrap_or_default();
    assert!((590.0..=600.0).contains(&retry_after), "{answer}");
    assert_eq!(h("retry-after"), retry_after.ceil().to_string());
    assert_eq!(h("x-ratelimit-reset-after").parse::<f64>().ok(), Some(retry_after));
    let failed_logins_bucket = h("x-ratelimit-bucket");
    assert!(!failed_logins_bucket.is_empty(), "{headers:?}");

    let right = json!({"username": "stolen", "password": PASSWORD});
    let (status, headers, _) = patch_with_headers(&app, &token, right).await;
    assert_eq!(status, 429, "the right one waits too");
    assert_eq!(header_text(&headers, "x-ratelimit-bucket"), Some(failed_logins_bucket.as_str()));
    // A change that needs no password is not held up; its answer describes the route's bucket.
    let (status, headers, _) =
        patch_with_headers(&app, &token, json!({"global_name": "Still"})).await;
    assert_eq!(status, 200);
    assert_ne!(header_text(&headers, "x-ratelimit-bucket"), Some(failed_logins_bucket.as_str()));
    let after = scrape(&app.http, &metrics).await;
    assert_eq!(
        grew(
            &before,
            &after,
            "astral_rate_limit_refusals_total{bucket=\"failed_logins_per_account\"}"
        ),
        2.0,
        "the fourth guess and the right password after it"
    );
    assert_eq!(
        grew(
            &before,
            &after,
            "astral_http_requests_total{operation=\"update_my_user\",status=\"429\"}"
        ),
        2.0
    );
}
backend_db_test!(repeated_wrong_passwords_are_rate_limited, reauth_limit);

/// [`patch`] with the answer's headers: `(status, headers, body)`.
async fn patch_with_headers(app: &TestApp, token: &str, body: Value) -> (u16, HeaderMap, Value) {
    let url = format!("{}/users/@me", app.api("v10"));
    let response = request(&app.http, "PATCH", url, Some(&bot(token)), Some(body));
    let response = response.send().await.expect("send");
    let (status, headers) = (response.status().as_u16(), response.headers().clone());
    (status, headers, response.json().await.unwrap_or(Value::Null))
}

backend_test!(the_cli_sets_staff_acls_and_traits);
async fn the_cli_sets_staff_acls_and_traits(app: TestApp) {
    let (token, id) = app.register("staffer").await;
    let url = app.db.url();
    let run = |args: &[&str]| {
        let out = astral(&[args, &["--database-url", &url]].concat());
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (ok, stdout, stderr) = run(&["users", "set-staff", "staffer", "true"]);
    assert!(ok, "{stderr}");
    let line: Value = serde_json::from_str(stdout.trim()).unwrap();
    assert_eq!(
        line,
        json!({"id": id, "username": "staffer", "is_staff": true, "acls": [], "traits": []})
    );
    let (ok, _, stderr) = run(&["users", "set-acls", &id, "read,write,read"]);
    assert!(ok, "{stderr}");
    let (ok, _, stderr) = run(&["users", "set-traits", "staffer", "early"]);
    assert!(ok, "{stderr}");
    let shown = me(&app, &token).await;
    assert_eq!(
        (shown["is_staff"].clone(), shown["acls"].clone(), shown["traits"].clone()),
        (json!(true), json!(["read", "write"]), json!(["early"]))
    );
    assert_matches_contract("PrivateUserWithProfile", &shown);
    // Refused: a long entry, an empty one, too many, an unknown user.
    let long = "x".repeat(65);
    let many = vec!["t"; 101]
        .iter()
        .enumerate()
        .map(|(i, t)| format!("{t}{i}"))
        .collect::<Vec<_>>()
        .join(",");
    for args in [
        vec!["users", "set-acls", "staffer", long.as_str()],
        vec!["users", "set-traits", "staffer", "a,,b"],
        vec!["users", "set-traits", "staffer", many.as_str()],
        vec!["users", "set-staff", "nobody-here", "true"],
        vec!["users", "set-staff", "staffer", "maybe"],
    ] {
        let (ok, _, stderr) = run(&args);
        assert!(!ok, "{args:?} should fail");
        assert!(!stderr.is_empty());
    }
    let (ok, _, _) = run(&["users", "set-traits", "staffer", ""]);
    assert!(ok);
    let (ok, _, _) = run(&["users", "set-staff", "staffer", "false"]);
    assert!(ok);
    let shown = me(&app, &token).await;
    assert_eq!((shown["is_staff"].clone(), shown["traits"].clone()), (json!(false), json!([])));
}

backend_test!(concurrent_password_changes_leave_one_password_and_its_token);
async fn concurrent_password_changes_leave_one_password_and_its_token(app: TestApp) {
    let (token, _) = app.register("racing").await;
    let passwords = ["violet staple engine orbit", "copper lantern meadow drift"];
    let answers = futures_util::future::join_all(
        passwords
            .iter()
            .map(|new| patch(&app, &token, json!({"new_password": new, "password": PASSWORD}))),
    )
    .await;
    // Each change is one transaction; the later one revokes the earlier one's token (or its
    // request found its own token already revoked: 401).
    let mut working = Vec::new();
    for ((status, answer), new) in answers.iter().zip(passwords) {
        assert!(matches!(status, 200 | 401), "{status}: {answer}");
        if status == &200 {
            let fresh = answer["token"].as_str().unwrap();
            let (status, _) = app.as_user(fresh).get("/users/@me").call().await;
            if status == 200 {
                working.push(new);
            }
        }
    }
    assert_eq!(working.len(), 1, "exactly one answered token works: {answers:?}");
    assert_eq!(app.try_login("racing", working[0]).await.0, 200, "and its password is the one");
    app.as_user(&token).get("/users/@me").refusal(401, 0).await;
}
