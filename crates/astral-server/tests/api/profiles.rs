//! pronouns.cc profiles on the user (issue 15): `PATCH /users/@me` with names, pronoun
//! entries, fields, links, custom preferences, bio, member title, time zone; where they are
//! answered, and where they are not (users embedded elsewhere stay Discord's plain user).

use astral_types::profile::{
    BIO_LENGTH, ENTRY_VALUE_LENGTH, FIELD_NAME_LENGTH, LINK_LENGTH, MAX_CUSTOM_PREFERENCES,
    MAX_FIELDS, MAX_FIELD_ENTRIES, MAX_LINKS, MAX_NAMES, MAX_PRONOUN_ENTRIES, MEMBER_TITLE_LENGTH,
    PREFERENCE_ICON_LENGTH, PREFERENCE_TOOLTIP_LENGTH, PRONOUNS_LENGTH,
    PRONOUN_DISPLAY_TEXT_LENGTH,
};
use serde_json::{json, Value};

use crate::support::{
    assert_documented, assert_matches_contract, assert_matches_discord, backend_test, bot, TestApp,
};

const PREFERENCE: &str = "3f2b8e4a-1c2d-4e5f-8a9b-0c1d2e3f4a5b";
const OTHER_PREFERENCE: &str = "0b7e3c1a-9d8f-4a6b-b5c4-d3e2f1a0b9c8";

/// The fields a profile answer carries, to compare a user before and after a refused PATCH.
const PROFILE_KEYS: [&str; 12] = [
    "username",
    "global_name",
    "bio",
    "member_title",
    "links",
    "names",
    "pronoun_entries",
    "fields",
    "timezone",
    "list_private",
    "custom_preferences",
    "utc_offset",
];

async fn me(app: &TestApp, auth: &str) -> Value {
    app.expect("GET", "/users/@me", Some(auth), None, 200).await
}

fn profile_of(user: &Value) -> Value {
    PROFILE_KEYS.iter().map(|key| (key.to_string(), user[*key].clone())).collect()
}

/// The first error code at a dotted path of a 50035 (`names.0.status`).
fn error_at(answer: &Value, path: &str) -> Option<String> {
    let mut node = &answer["errors"];
    for segment in path.split('.') {
        node = &node[segment];
    }
    node["_errors"][0]["code"].as_str().map(str::to_owned)
}

/// Every path of a 50035 that carries `_errors`, dotted.
fn error_paths(answer: &Value) -> Vec<String> {
    fn walk(node: &Value, path: &str, out: &mut Vec<String>) {
        if let Value::Object(map) = node {
            for (key, value) in map {
                if key == "_errors" {
                    out.push(path.to_owned());
                } else {
                    let next = if path.is_empty() { key.clone() } else { format!("{path}.{key}") };
                    walk(value, &next, out);
                }
            }
        }
    }
    let mut out = Vec::new();
    walk(&answer["errors"], "", &mut out);
    out
}

/// A PATCH that must be refused with a field error `code` at exactly `path` (and nowhere
/// else), changing nothing.
async fn refused_at(app: &TestApp, auth: &str, body: Value, path: &str, code: &str) {
    let before = profile_of(&me(app, auth).await);
    let answer =
        app.refusal("PATCH", "/users/@me", Some(auth), Some(body.clone()), (400, 50035)).await;
    assert_eq!(error_at(&answer, path).as_deref(), Some(code), "{body}: {answer}");
    assert_eq!(error_paths(&answer), vec![path.to_owned()], "{body}: {answer}");
    assert_eq!(profile_of(&me(app, auth).await), before, "{body} changed the user");
}

async fn accepted(app: &TestApp, auth: &str, body: Value) -> Value {
    let answer = app.expect("PATCH", "/users/@me", Some(auth), Some(body), 200).await;
    assert_matches_contract("PrivateUserWithProfile", &answer);
    assert_matches_discord("UserPIIResponse", &answer);
    answer
}

fn text(n: usize) -> String {
    // Two bytes per character: lengths count characters, not bytes.
    "ü".repeat(n)
}

fn entry(value: &str, status: &str) -> Value {
    json!({"value": value, "status": status})
}

fn preference(icon: &str, tooltip: &str) -> Value {
    json!({"icon": icon, "tooltip": tooltip, "size": "normal", "muted": false, "favourite": true})
}

fn uuid(i: usize) -> String {
    format!("00000000-0000-4000-8000-{i:012x}")
}

backend_test!(a_full_profile_round_trips_through_the_client);
async fn a_full_profile_round_trips_through_the_client(app: TestApp) {
    let [(token, user_id), (other_token, _)] = app.register_all(["ada", "grace"]).await;
    let auth = bot(&token);
    let patch = json!({
        "bio": "Analyst of engines. 🏳️‍🌈",
        "member_title": "Parts",
        "links": ["https://example.org/ada"],
        "names": [{"value": "Ada", "status": "favourite"}, {"value": "Countess", "status": PREFERENCE}],
        "pronoun_entries": [
            {"pronouns": "she/her/her/hers/herself", "display_text": "she/her", "status": "okay"},
            {"pronouns": "they/them/their/theirs/themself", "status": "jokingly"}
        ],
        "fields": [{"name": "Honorifics", "entries": [
            {"value": "Lady", "status": "friends_only"}, {"value": "Sir", "status": "avoid"}
        ]}],
        "timezone": "Asia/Kolkata",
        "list_private": true,
        "custom_preferences": {PREFERENCE: {
            "icon": "heart-fill", "tooltip": "Love it", "size": "large", "muted": false,
            "favourite": true
        }}
    });
    let body: astral_client::types::UpdateMyUserRequest =
        serde_json::from_value(patch.clone()).unwrap();
    let client = app.client(Some(&auth));
    let answer = client.update_my_user(None, &body).await.unwrap().into_inner();
    let answer = serde_json::to_value(answer).unwrap();
    for key in
        ["bio", "member_title", "links", "names", "pronoun_entries", "fields", "custom_preferences"]
    {
        assert_eq!(answer[key], patch[key], "{key}");
    }
    assert_eq!(
        (answer["timezone"].as_str(), answer["utc_offset"].as_i64()),
        (Some("Asia/Kolkata"), Some(19800))
    );
    assert_eq!(answer["list_private"], true);

    // Stored, not echoed: the client's GET /users/@me answers the same.
    let mine = serde_json::to_value(client.get_my_user().await.unwrap().into_inner()).unwrap();
    assert_eq!(profile_of(&mine), profile_of(&answer));
    let raw = me(&app, &auth).await;
    assert_matches_contract("PrivateUserWithProfile", &raw);
    assert_matches_discord("UserPIIResponse", &raw);
    // created_at is the id's timestamp.
    let id: u64 = user_id.parse().unwrap();
    let created_ms = (id >> 22) + 1_420_070_400_000;
    let created = raw["created_at"].as_str().unwrap();
    let seconds = (created_ms / 1000) % 60;
    assert!(
        created.ends_with(&format!("{seconds:02}.{:03}+00:00", created_ms % 1000)),
        "{created}"
    );

    // Another user sees the public profile and none of the self-only fields.
    let other = bot(&other_token);
    let theirs = app.expect("GET", &format!("/users/{user_id}"), Some(&other), None, 200).await;
    assert_matches_contract("UserWithProfile", &theirs);
    assert_matches_discord("UserResponse", &theirs);
    for key in
        ["bio", "member_title", "links", "names", "pronoun_entries", "fields", "custom_preferences"]
    {
        assert_eq!(theirs[key], patch[key], "{key}");
    }
    assert_eq!(theirs["utc_offset"], 19800);
    for key in ["created_at", "timezone", "list_private", "email", "locale", "verified"] {
        assert!(theirs.get(key).is_none(), "{key} leaked: {theirs}");
    }
    let typed = app.client(Some(&other)).get_user(&user_id).await.unwrap().into_inner();
    assert!(typed.created_at.is_none() && typed.timezone.is_none() && typed.list_private.is_none());
    // The user themself, by id: the self-only fields are there.
    let own = app.expect("GET", &format!("/users/{user_id}"), Some(&auth), None, 200).await;
    assert_eq!(
        (own["created_at"].as_str(), own["timezone"].as_str(), own["list_private"].as_bool()),
        (Some(created), Some("Asia/Kolkata"), Some(true))
    );
    assert!(own.get("email").is_none(), "{own}");

    // The profile endpoint carries the same user, and Discord's user_profile.bio is its bio.
    let path = format!("/users/{user_id}/profile");
    let profile = app.expect("GET", &path, Some(&other), None, 200).await;
    assert_documented("GET", "/users/{user_id}/profile", 200, &profile);
    assert_matches_contract("UserProfile", &profile);
    assert_matches_discord("UserResponse", &profile["user"]);
    assert_eq!(profile["user"], theirs);
    assert_eq!(profile["user_profile"]["bio"], patch["bio"]);
    let own_profile = app.expect("GET", &path, Some(&auth), None, 200).await;
    assert_eq!(own_profile["user"]["timezone"], "Asia/Kolkata");
}

backend_test!(a_new_user_has_an_empty_profile);
async fn a_new_user_has_an_empty_profile(app: TestApp) {
    let (token, _) = app.register("blank").await;
    let mine = me(&app, &bot(&token)).await;
    assert_eq!(
        profile_of(&mine),
        json!({
            "username": "blank", "global_name": null, "bio": null, "member_title": null,
            "links": [], "names": [], "pronoun_entries": [], "fields": [], "timezone": null,
            "list_private": false, "custom_preferences": {}, "utc_offset": null
        })
    );
}

backend_test!(every_limit_holds_at_its_boundary);
async fn every_limit_holds_at_its_boundary(app: TestApp) {
    let (token, _) = app.register("limits").await;
    let auth = bot(&token);
    let names = |n: usize| Value::Array((0..n).map(|i| entry(&format!("n{i}"), "okay")).collect());
    let pronouns = |n: usize| {
        Value::Array(
            (0..n).map(|i| json!({"pronouns": format!("p{i}"), "status": "okay"})).collect(),
        )
    };
    let field = |entries: usize| json!({"name": "F", "entries": (0..entries).map(|i| entry(&format!("e{i}"), "okay")).collect::<Vec<_>>()});
    let preferences =
        |n: usize| Value::Object((0..n).map(|i| (uuid(i), preference("heart", "Tip"))).collect());
    // (field, the longest or largest accepted value, one past it, where the error is, code)
    let cases: Vec<(&str, Value, Value, &str, &str)> = vec![
        (
            "bio",
            json!(text(BIO_LENGTH.max)),
            json!(text(BIO_LENGTH.max + 1)),
            "bio",
            "BASE_TYPE_BAD_LENGTH",
        ),
        (
            "member_title",
            json!(text(MEMBER_TITLE_LENGTH.max)),
            json!(text(MEMBER_TITLE_LENGTH.max + 1)),
            "member_title",
            "BASE_TYPE_BAD_LENGTH",
        ),
        (
            "links",
            json!(vec!["https://example.org"; MAX_LINKS]),
            json!(vec!["https://example.org"; MAX_LINKS + 1]),
            "links",
            "BASE_TYPE_MAX_LENGTH",
        ),
        (
            "links",
            json!([text(LINK_LENGTH.max)]),
            json!(["ok", text(LINK_LENGTH.max + 1)]),
            "links.1",
            "BASE_TYPE_BAD_LENGTH",
        ),
        ("names", names(MAX_NAMES), names(MAX_NAMES + 1), "names", "BASE_TYPE_MAX_LENGTH"),
        (
            "names",
            json!([entry(&text(ENTRY_VALUE_LENGTH.max), "okay")]),
            json!([entry(&text(ENTRY_VALUE_LENGTH.max + 1), "okay")]),
            "names.0.value",
            "BASE_TYPE_BAD_LENGTH",
        ),
        (
            "pronoun_entries",
            pronouns(MAX_PRONOUN_ENTRIES),
            pronouns(MAX_PRONOUN_ENTRIES + 1),
            "pronoun_entries",
            "BASE_TYPE_MAX_LENGTH",
        ),
        (
            "pronoun_entries",
            json!([{"pronouns": text(PRONOUNS_LENGTH.max), "status": "okay"}]),
            json!([{"pronouns": text(PRONOUNS_LENGTH.max + 1), "status": "okay"}]),
            "pronoun_entries.0.pronouns",
            "BASE_TYPE_BAD_LENGTH",
        ),
        (
            "pronoun_entries",
            json!([{"pronouns": "x", "display_text": text(PRONOUN_DISPLAY_TEXT_LENGTH.max), "status": "okay"}]),
            json!([{"pronouns": "x", "display_text": text(PRONOUN_DISPLAY_TEXT_LENGTH.max + 1), "status": "okay"}]),
            "pronoun_entries.0.display_text",
            "BASE_TYPE_BAD_LENGTH",
        ),
        (
            "fields",
            Value::Array(vec![field(1); MAX_FIELDS]),
            Value::Array(vec![field(1); MAX_FIELDS + 1]),
            "fields",
            "BASE_TYPE_MAX_LENGTH",
        ),
        (
            "fields",
            json!([{"name": text(FIELD_NAME_LENGTH.max), "entries": []}]),
            json!([{"name": text(FIELD_NAME_LENGTH.max + 1), "entries": []}]),
            "fields.0.name",
            "BASE_TYPE_BAD_LENGTH",
        ),
        (
            "fields",
            json!([field(MAX_FIELD_ENTRIES)]),
            json!([field(1), field(MAX_FIELD_ENTRIES + 1)]),
            "fields.1.entries",
            "BASE_TYPE_MAX_LENGTH",
        ),
        (
            "fields",
            json!([{"name": "F", "entries": [entry("a", "okay"), entry("b", "okay"), entry("c", "okay"), entry(&text(ENTRY_VALUE_LENGTH.max), "okay")]}]),
            json!([{"name": "F", "entries": [entry("a", "okay"), entry("b", "okay"), entry("c", "okay"), entry(&text(ENTRY_VALUE_LENGTH.max + 1), "okay")]}]),
            "fields.0.entries.3.value",
            "BASE_TYPE_BAD_LENGTH",
        ),
        (
            "custom_preferences",
            preferences(MAX_CUSTOM_PREFERENCES),
            preferences(MAX_CUSTOM_PREFERENCES + 1),
            "custom_preferences",
            "BASE_TYPE_MAX_LENGTH",
        ),
        (
            "custom_preferences",
            json!({PREFERENCE: preference(&text(PREFERENCE_ICON_LENGTH.max), "t")}),
            json!({PREFERENCE: preference(&text(PREFERENCE_ICON_LENGTH.max + 1), "t")}),
            &*Box::leak(format!("custom_preferences.{PREFERENCE}.icon").into_boxed_str()),
            "BASE_TYPE_BAD_LENGTH",
        ),
        (
            "custom_preferences",
            json!({PREFERENCE: preference("i", &text(PREFERENCE_TOOLTIP_LENGTH.max))}),
            json!({PREFERENCE: preference("i", &text(PREFERENCE_TOOLTIP_LENGTH.max + 1))}),
            &*Box::leak(format!("custom_preferences.{PREFERENCE}.tooltip").into_boxed_str()),
            "BASE_TYPE_BAD_LENGTH",
        ),
    ];
    for (field, at_limit, past_limit, path, code) in cases {
        let answer = accepted(&app, &auth, json!({ field: at_limit.clone() })).await;
        assert_eq!(answer[field], at_limit, "{field} at its limit");
        refused_at(&app, &auth, json!({ field: past_limit }), path, code).await;
    }
}

backend_test!(empty_strings_are_refused_and_null_clears);
async fn empty_strings_are_refused_and_null_clears(app: TestApp) {
    let (token, _) = app.register("clearer").await;
    let auth = bot(&token);
    let set = json!({"bio": "b", "member_title": "m", "timezone": "Europe/Berlin"});
    let answer = accepted(&app, &auth, set).await;
    assert_eq!((answer["bio"].as_str(), answer["member_title"].as_str()), (Some("b"), Some("m")));
    for (body, path, code) in [
        (json!({"bio": ""}), "bio", "BASE_TYPE_BAD_LENGTH"),
        (json!({"member_title": ""}), "member_title", "BASE_TYPE_BAD_LENGTH"),
        (json!({"timezone": ""}), "timezone", "BASE_TYPE_BAD_LENGTH"),
        (json!({"links": [""]}), "links.0", "BASE_TYPE_BAD_LENGTH"),
        (json!({"names": [entry("", "okay")]}), "names.0.value", "BASE_TYPE_BAD_LENGTH"),
        (
            json!({"pronoun_entries": [{"pronouns": "", "status": "okay"}]}),
            "pronoun_entries.0.pronouns",
            "BASE_TYPE_BAD_LENGTH",
        ),
        (
            json!({"pronoun_entries": [{"pronouns": "x", "display_text": "", "status": "okay"}]}),
            "pronoun_entries.0.display_text",
            "BASE_TYPE_BAD_LENGTH",
        ),
        (json!({"fields": [{"name": "", "entries": []}]}), "fields.0.name", "BASE_TYPE_BAD_LENGTH"),
        (json!({"fields": [{"name": "F"}]}), "fields.0.entries", "BASE_TYPE_REQUIRED"),
        (json!({"names": [{"value": "x"}]}), "names.0.status", "BASE_TYPE_REQUIRED"),
        (json!({"names": ["x"]}), "names.0", "DICT_TYPE_CONVERT"),
        (json!({"names": "x"}), "names", "LIST_TYPE_CONVERT"),
        (json!({"names": null}), "names", "BASE_TYPE_REQUIRED"),
        (json!({"bio": 5}), "bio", "STRING_TYPE_CONVERT"),
        (json!({"bio": "nul\u{0}"}), "bio", "STRING_TYPE_INVALID_CHARACTERS"),
        (json!({"list_private": "yes"}), "list_private", "BOOLEAN_TYPE_CONVERT"),
        (json!({"custom_preferences": null}), "custom_preferences", "BASE_TYPE_REQUIRED"),
        (
            json!({"custom_preferences": {"not-a-uuid": preference("i", "t")}}),
            "custom_preferences.not-a-uuid",
            "BASE_TYPE_INVALID_UUID",
        ),
        (
            json!({"custom_preferences": {PREFERENCE: {"icon": "i", "tooltip": "t", "size": "huge", "muted": false, "favourite": false}}}),
            &*Box::leak(format!("custom_preferences.{PREFERENCE}.size").into_boxed_str()),
            "BASE_TYPE_CHOICES",
        ),
        (
            json!({"custom_preferences": {PREFERENCE: {"icon": "i", "tooltip": "t", "size": "small", "muted": 0, "favourite": false}}}),
            &*Box::leak(format!("custom_preferences.{PREFERENCE}.muted").into_boxed_str()),
            "BOOLEAN_TYPE_CONVERT",
        ),
    ] {
        refused_at(&app, &auth, body, path, code).await;
    }
    // Unicode is stored as sent.
    let unicode = "Ｆｕｌｌ　ｗｉｄｔｈ, עברית, 🏳️‍⚧️";
    let answer =
        accepted(&app, &auth, json!({"bio": unicode, "names": [entry(unicode, "okay")]})).await;
    assert_eq!(
        (answer["bio"].as_str(), answer["names"][0]["value"].as_str()),
        (Some(unicode), Some(unicode))
    );
    // null clears the nullable fields; [] and {} empty the lists and the map.
    let cleared = accepted(
        &app,
        &auth,
        json!({"bio": null, "member_title": null, "timezone": null, "names": [], "custom_preferences": {}}),
    )
    .await;
    for key in ["bio", "member_title", "timezone", "utc_offset"] {
        assert_eq!(cleared[key], Value::Null, "{key}");
    }
    assert_eq!(
        (cleared["names"].clone(), cleared["custom_preferences"].clone()),
        (json!([]), json!({}))
    );
    assert_eq!(me(&app, &auth).await["bio"], Value::Null);
}

backend_test!(statuses_are_builtin_or_the_users_custom_preferences);
async fn statuses_are_builtin_or_the_users_custom_preferences(app: TestApp) {
    let (token, _) = app.register("statuses").await;
    let auth = bot(&token);
    refused_at(
        &app,
        &auth,
        json!({"names": [entry("a", "maybe")]}),
        "names.0.status",
        "BASE_TYPE_CHOICES",
    )
    .await;
    let body =
        json!({"fields": [{"name": "F", "entries": [entry("a", "okay"), entry("b", "Okay")]}]});
    refused_at(&app, &auth, body, "fields.0.entries.1.status", "BASE_TYPE_CHOICES").await;
    // A UUID that is none of the user's preferences: checked against the stored ones.
    let body = json!({"pronoun_entries": [{"pronouns": "it/its", "status": PREFERENCE}]});
    refused_at(&app, &auth, body, "pronoun_entries.0.status", "BASE_TYPE_CHOICES").await;
    // ... and against the ones sent, when the same PATCH sets them.
    let body = json!({"names": [entry("a", PREFERENCE)], "custom_preferences": {OTHER_PREFERENCE: preference("i", "t")}});
    refused_at(&app, &auth, body, "names.0.status", "BASE_TYPE_CHOICES").await;
    // Under the alias, the error names the alias.
    let body = json!({"pronouns": [{"pronouns": "it/its", "status": "nope"}]});
    refused_at(&app, &auth, body, "pronouns.0.status", "BASE_TYPE_CHOICES").await;

    // Accepted in the PATCH that creates the preference (any case; answered in lowercase) ...
    let upper = PREFERENCE.to_uppercase();
    let answer = accepted(
        &app,
        &auth,
        json!({"names": [entry("a", &upper)], "custom_preferences": {&upper: preference("i", "t")}}),
    )
    .await;
    assert_eq!(answer["names"][0]["status"], PREFERENCE);
    assert!(answer["custom_preferences"].get(PREFERENCE).is_some(), "{answer}");
    // ... and later, against the stored preferences.
    let answer = accepted(
        &app,
        &auth,
        json!({"fields": [{"name": "F", "entries": [entry("x", PREFERENCE)]}], "pronoun_entries": [{"pronouns": "xe/xem", "status": PREFERENCE}]}),
    )
    .await;
    assert_eq!(answer["fields"][0]["entries"][0]["status"], PREFERENCE);

    // Removing the preference turns the statuses that used it into `okay`.
    let answer = accepted(
        &app,
        &auth,
        json!({"custom_preferences": {OTHER_PREFERENCE: preference("i", "t")}}),
    )
    .await;
    assert_eq!(answer["names"][0]["status"], "okay");
    assert_eq!(answer["pronoun_entries"][0]["status"], "okay");
    assert_eq!(answer["fields"][0]["entries"][0]["status"], "okay");
    assert_eq!(me(&app, &auth).await["names"][0]["status"], "okay");
}

backend_test!(pronouns_cc_names_are_aliases);
async fn pronouns_cc_names_are_aliases(app: TestApp) {
    let (token, _) = app.register("aliased").await;
    let auth = bot(&token);
    let answer = accepted(
        &app,
        &auth,
        json!({"display_name": "Shown", "name": "renamed", "password": "correct horse battery"}),
    )
    .await;
    assert_eq!(
        (answer["global_name"].as_str(), answer["username"].as_str()),
        (Some("Shown"), Some("renamed"))
    );
    // Both names with one value: fine.
    let answer = accepted(
        &app,
        &auth,
        json!({"display_name": "Same", "global_name": "Same", "name": "re2", "username": "re2",
            "password": "correct horse battery"}),
    )
    .await;
    assert_eq!(
        (answer["global_name"].as_str(), answer["username"].as_str()),
        (Some("Same"), Some("re2"))
    );
    // Both with different values, or the alias under the canonical field's rule.
    for (body, path, code) in [
        (json!({"display_name": "A", "global_name": "B"}), "display_name", "FIELD_ALIAS_CONFLICT"),
        (json!({"display_name": null, "global_name": "B"}), "display_name", "FIELD_ALIAS_CONFLICT"),
        (json!({"name": "one", "username": "two"}), "name", "FIELD_ALIAS_CONFLICT"),
        (json!({"display_name": "d".repeat(33)}), "display_name", "BASE_TYPE_BAD_LENGTH"),
        (json!({"name": "bad/name"}), "name", "USERNAME_INVALID_CHARACTERS"),
    ] {
        refused_at(&app, &auth, body, path, code).await;
    }
    // display_name null clears the display name.
    assert_eq!(
        accepted(&app, &auth, json!({"display_name": null})).await["global_name"],
        Value::Null
    );

    // `pronouns` as an array is pronoun_entries; as a string it is the plain pronouns
    // (tests/api/accounts.rs).
    let entries = json!([{"pronouns": "she/her", "status": "favourite"}]);
    let answer = accepted(&app, &auth, json!({"pronouns": entries})).await;
    assert_eq!(answer["pronoun_entries"], entries);
    assert_eq!(answer["pronouns"], Value::Null, "{answer}");
    accepted(&app, &auth, json!({"pronouns": entries, "pronoun_entries": entries})).await;
    // Conflicting aliases and a plain `pronouns` of 41 are refused; `flags` as an array is
    // pride_flags (tests/api/pride_flags.rs has the rest); Discord's integer `flags` is ignored,
    // as Discord does.
    for (body, path, code) in [
        (json!({"pronouns": [], "pronoun_entries": entries}), "pronouns", "FIELD_ALIAS_CONFLICT"),
        (json!({"pronouns": "x".repeat(41)}), "pronouns", "BASE_TYPE_BAD_LENGTH"),
        (json!({"flags": ["123"]}), "flags.0", "BASE_TYPE_CHOICES"),
    ] {
        refused_at(&app, &auth, body, path, code).await;
    }
    let answer = accepted(&app, &auth, json!({"flags": 4})).await;
    assert_eq!((&answer["flags"], &answer["pride_flags"]), (&json!(0), &json!([])));
}

backend_test!(time_zones_give_the_current_utc_offset);
async fn time_zones_give_the_current_utc_offset(app: TestApp) {
    let (token, _) = app.register("zoned").await;
    let auth = bot(&token);
    // No daylight saving in India: a fixed offset.
    let answer = accepted(&app, &auth, json!({"timezone": "Asia/Kolkata"})).await;
    assert_eq!(
        (answer["timezone"].as_str(), answer["utc_offset"].as_i64()),
        (Some("Asia/Kolkata"), Some(19800))
    );
    // A zone with daylight saving: its offset now, as the tz database says.
    let answer = accepted(&app, &auth, json!({"timezone": "America/New_York"})).await;
    let now = jiff::tz::db().get("America/New_York").unwrap().to_offset(jiff::Timestamp::now());
    assert_eq!(answer["utc_offset"].as_i64(), Some(i64::from(now.seconds())));
    assert!([-18000, -14400].contains(&now.seconds()));
    // Names are looked up ignoring case and answered in their canonical spelling.
    assert_eq!(
        accepted(&app, &auth, json!({"timezone": "europe/berlin"})).await["timezone"],
        "Europe/Berlin"
    );
    for bad in ["Mars/Olympus_Mons", "+05:30", "EST5EDT,M3.2.0,M11.1.0", "../etc/passwd"] {
        refused_at(&app, &auth, json!({"timezone": bad}), "timezone", "TIMEZONE_INVALID").await;
    }
    refused_at(
        &app,
        &auth,
        json!({"timezone": "x".repeat(65)}),
        "timezone",
        "BASE_TYPE_BAD_LENGTH",
    )
    .await;
    let answer = accepted(&app, &auth, json!({"timezone": null})).await;
    assert_eq!(
        (answer["timezone"].clone(), answer["utc_offset"].clone()),
        (Value::Null, Value::Null)
    );
}

backend_test!(embedded_users_stay_plain);
async fn embedded_users_stay_plain(app: TestApp) {
    let [(a, a_id), (b, b_id)] = app.register_all(["plain-a", "plain-b"]).await;
    accepted(
        &app,
        &bot(&a),
        json!({"bio": "A's bio", "names": [entry("A", "okay")], "timezone": "UTC"}),
    )
    .await;
    let path = format!("/users/@me/relationships/{a_id}");
    app.expect("PUT", &path, Some(&bot(&b)), Some(json!({})), 204).await;
    let path = format!("/users/@me/relationships/{b_id}");
    app.expect("PUT", &path, Some(&bot(&a)), Some(json!({})), 204).await;
    let list = app.expect("GET", "/users/@me/relationships", Some(&bot(&b)), None, 200).await;
    let user = &list[0]["user"];
    assert_eq!(user["id"], json!(a_id));
    for key in [
        "bio",
        "names",
        "pronoun_entries",
        "fields",
        "links",
        "utc_offset",
        "custom_preferences",
        "timezone",
    ] {
        assert!(user.get(key).is_none(), "a relationship's user carries {key}: {user}");
    }
    let dm = app
        .as_user(&b)
        .post("/users/@me/channels")
        .json(json!({"recipient_id": a_id}))
        .expect(200)
        .await;
    assert!(dm["recipients"][0].get("bio").is_none(), "{dm}");
}

backend_test!(one_bad_field_writes_nothing);
async fn one_bad_field_writes_nothing(app: TestApp) {
    let (token, _) = app.register("atomic").await;
    let auth = bot(&token);
    accepted(&app, &auth, json!({"bio": "before", "names": [entry("Before", "okay")]})).await;
    let good = json!({
        "username": "atomic-2", "password": "correct horse battery", // a rename needs it
        "global_name": "G", "bio": "after", "member_title": "M",
        "links": ["l"], "names": [entry("After", "okay")], "timezone": "UTC", "list_private": true,
        "custom_preferences": {PREFERENCE: preference("i", "t")}
    });
    // Each of these bad fields alone refuses the whole body (the last one only the store
    // can find: a status naming a preference the user does not have).
    for (field, bad, path) in [
        ("bio", json!(""), "bio"),
        (
            "fields",
            json!([{"name": "F", "entries": [entry("", "okay")]}]),
            "fields.0.entries.0.value",
        ),
        ("timezone", json!("Nowhere/Atall"), "timezone"),
        (
            "pronoun_entries",
            json!([{"pronouns": "x", "status": OTHER_PREFERENCE}]),
            "pronoun_entries.0.status",
        ),
    ] {
        let mut body = good.clone();
        body[field] = bad;
        let before = profile_of(&me(&app, &auth).await);
        let answer =
            app.refusal("PATCH", "/users/@me", Some(&auth), Some(body), (400, 50035)).await;
        assert!(error_at(&answer, path).is_some(), "{path}: {answer}");
        assert_eq!(profile_of(&me(&app, &auth).await), before, "{field}");
    }
    // Every error at once.
    let body = json!({"bio": "", "names": [entry("a", "maybe")], "timezone": "Nowhere", "display_name": "x".repeat(40)});
    let answer = app.refusal("PATCH", "/users/@me", Some(&auth), Some(body), (400, 50035)).await;
    let mut paths = error_paths(&answer);
    paths.sort();
    assert_eq!(paths, ["bio", "display_name", "names.0.status", "timezone"], "{answer}");
    // Without the bad field the same body is taken.
    let answer = accepted(&app, &auth, good).await;
    assert_eq!(
        (answer["username"].as_str(), answer["bio"].as_str()),
        (Some("atomic-2"), Some("after"))
    );
}
