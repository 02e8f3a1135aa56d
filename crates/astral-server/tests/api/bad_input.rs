//! The bad-input catalogue: each kind of bad input, sent through HTTP to every operation that
//! reads it (bodies, path ids, query parameters), gets a Discord-shaped 4xx that the contract
//! documents, and leaves the data exactly as it was. Unknown fields are ignored, as Discord
//! does; of duplicate keys the last one counts (serde_json's rule, and Python's, which Discord's
//! parser follows).

use astral_server::config::DEFAULT_MAX_BODY_BYTES;
use serde_json::{json, Value};

use crate::support::{backend_test, check_response_body, TestApp};

const PASSWORD: &str = "correct horse battery";

/// An operation that reads a JSON body, with a valid body to vary.
struct BodyTarget {
    method: &'static str,
    /// The contract's path template, and the concrete path.
    template: &'static str,
    path: String,
    valid: Value,
    /// A field the operation reads as a string (or, for `type`, a number).
    field: &'static str,
    /// `None` for operations that need no token.
    auth: Option<String>,
}

/// What a case expects: a status and Discord JSON code, a field error code under `field`
/// (request-level when `""`), or success.
#[derive(Clone, Copy, Debug)]
enum Want {
    Code(u16, i64),
    Field(&'static str, &'static str),
    Success,
}

/// One request of the catalogue.
struct Case {
    name: String,
    method: &'static str,
    template: &'static str,
    path: String,
    auth: Option<String>,
    content_type: Option<&'static str>,
    body: Vec<u8>,
    want: Want,
}

struct People {
    a: (String, String),
    b: (String, String),
    friend: (String, String),
    group: String,
    guild: String,
}

/// The data a bad request must not change: what A, B and A's friend see of themselves.
async fn state(app: &TestApp, p: &People) -> Value {
    let mut reads = Vec::new();
    for token in [&p.a.0, &p.b.0, &p.friend.0] {
        for path in [
            "/users/@me",
            "/users/@me/relationships",
            "/users/@me/channels",
            "/users/@me/guilds?with_counts=true",
        ] {
            reads.push(app.call("GET", path, Some(token), None));
        }
    }
    let answers = futures_util::future::join_all(reads).await;
    for (status, body) in &answers {
        assert_eq!(*status, 200, "{body}");
    }
    Value::Array(answers.into_iter().map(|(_, body)| body).collect())
}

fn json_bytes(v: &Value) -> Vec<u8> {
    v.to_string().into_bytes()
}

/// `valid` with `field` set to `value`.
fn with(valid: &Value, field: &str, value: Value) -> Vec<u8> {
    let mut body = valid.clone();
    body[field] = value;
    json_bytes(&body)
}

fn body_targets(p: &People, fresh_name: &str) -> Vec<BodyTarget> {
    let a = Some(p.a.0.clone());
    vec![
        BodyTarget {
            method: "PATCH",
            template: "/users/@me",
            path: "/users/@me".into(),
            valid: json!({"global_name": "Valid Name"}),
            field: "global_name",
            auth: a.clone(),
        },
        BodyTarget {
            method: "POST",
            template: "/auth/register",
            path: "/auth/register".into(),
            valid: json!({"username": fresh_name, "password": PASSWORD}),
            field: "username",
            auth: None,
        },
        BodyTarget {
            method: "POST",
            template: "/auth/login",
            path: "/auth/login".into(),
            valid: json!({"login": "victim", "password": PASSWORD}),
            field: "login",
            auth: None,
        },
        BodyTarget {
            method: "POST",
            template: "/users/@me/relationships",
            path: "/users/@me/relationships".into(),
            valid: json!({"username": "bystander"}),
            field: "username",
            auth: a.clone(),
        },
        BodyTarget {
            method: "PUT",
            template: "/users/@me/relationships/{user_id}",
            path: format!("/users/@me/relationships/{}", p.b.1),
            valid: json!({"type": 1}),
            field: "type",
            auth: a.clone(),
        },
        BodyTarget {
            method: "PATCH",
            template: "/users/@me/relationships/{user_id}",
            path: format!("/users/@me/relationships/{}", p.friend.1),
            valid: json!({"nickname": "Pal"}),
            field: "nickname",
            auth: a.clone(),
        },
        BodyTarget {
            method: "POST",
            template: "/guilds",
            path: "/guilds".into(),
            valid: json!({"name": "Valid Guild"}),
            field: "name",
            auth: a.clone(),
        },
        BodyTarget {
            method: "POST",
            template: "/users/@me/channels",
            path: "/users/@me/channels".into(),
            valid: json!({"recipient_id": p.b.1}),
            field: "recipient_id",
            auth: a,
        },
    ]
}

/// Every body case, for one target.
fn body_cases(t: &BodyTarget) -> Vec<Case> {
    let valid_text = t.valid.to_string();
    // 4000 levels: far beyond serde_json's limit (128), within the 8 KiB JSON body limit.
    let deep = format!("{}{}", "[".repeat(4_000), "]".repeat(4_000));
    // 100 levels: within serde_json's limit, so it parses and the field's type is wrong.
    let nested =
        serde_json::from_str::<Value>(&format!("{}1{}", "[".repeat(100), "]".repeat(100))).unwrap();
    let megabyte = "x".repeat(1 << 20);
    let huge_array: Vec<u64> = (1..=100_000).collect();
    let field = t.field;
    // A string where a number is read (`type`) is a choice error; elsewhere too long.
    let long_string = match field {
        "type" => Want::Field("type", "NUMBER_TYPE_COERCE"),
        "recipient_id" => Want::Field("recipient_id", "NUMBER_TYPE_COERCE"),
        "login" => Want::Field("login", "INVALID_LOGIN"),
        "username" if t.template == "/users/@me/relationships" => Want::Code(400, 80004),
        _ => Want::Field(field, "BASE_TYPE_BAD_LENGTH"),
    };
    let wrong_type = match field {
        "type" => Want::Field("type", "NUMBER_TYPE_COERCE"),
        "recipient_id" => Want::Field("recipient_id", "NUMBER_TYPE_COERCE"),
        _ => Want::Field(field, "STRING_TYPE_CONVERT"),
    };
    let invalid_json = Want::Code(400, 50109);
    // Routes without images take at most `max_json_body_bytes` (8 KiB): larger bodies are 413
    // before their fields are read. `PATCH /users/@me` has the image budget.
    let over_json_limit = (t.template != "/users/@me").then_some(Want::Code(413, 40005));
    let json_ct = Some("application/json");
    let mut cases: Vec<(String, Option<&'static str>, Vec<u8>, Want)> = vec![
        ("malformed JSON".into(), json_ct, b"{".to_vec(), invalid_json),
        (
            "truncated JSON".into(),
            json_ct,
            valid_text.as_bytes()[..valid_text.len() - 3].to_vec(),
            invalid_json,
        ),
        ("empty body".into(), json_ct, Vec::new(), invalid_json),
        ("not JSON".into(), json_ct, b"not json".to_vec(), invalid_json),
        (
            "invalid UTF-8".into(),
            json_ct,
            [format!("{{\"{field}\": \"").as_bytes(), &[0xff, 0xfe], b"\"}"].concat(),
            invalid_json,
        ),
        ("nested 4000 deep".into(), json_ct, deep.into_bytes(), invalid_json),
        ("nested 100 deep in a field".into(), json_ct, with(&t.valid, field, nested), wrong_type),
        (
            "number beyond f64 (1e400)".into(),
            json_ct,
            format!("{{\"{field}\": 1e400}}").into_bytes(),
            invalid_json,
        ),
        (
            "text/plain".into(),
            Some("text/plain"),
            json_bytes(&t.valid),
            Want::Field("", "CONTENT_TYPE_INVALID"),
        ),
        (
            "no content type".into(),
            None,
            json_bytes(&t.valid),
            Want::Field("", "CONTENT_TYPE_INVALID"),
        ),
        (
            "form-urlencoded".into(),
            Some("application/x-www-form-urlencoded"),
            b"a=b".to_vec(),
            Want::Field("", "CONTENT_TYPE_INVALID"),
        ),
        (
            "an array, not an object".into(),
            json_ct,
            b"[1,2]".to_vec(),
            Want::Field("", "DICT_TYPE_CONVERT"),
        ),
        (
            "1 MB string".into(),
            json_ct,
            with(&t.valid, field, json!(megabyte)),
            over_json_limit.unwrap_or(long_string),
        ),
        (
            "array of 100000".into(),
            json_ct,
            with(&t.valid, field, json!(huge_array)),
            over_json_limit.unwrap_or(wrong_type),
        ),
        (
            "null for a required field".into(),
            json_ct,
            with(&t.valid, field, Value::Null),
            match (t.template, field) {
                // Clearing is what null means for these.
                (
                    "/users/@me" | "/users/@me/relationships/{user_id}",
                    "global_name" | "nickname" | "type",
                ) => Want::Success,
                _ => Want::Field(field, "BASE_TYPE_REQUIRED"),
            },
        ),
        (
            "JSON with a charset parameter".into(),
            Some("application/json; charset=utf-8"),
            {
                let mut body = t.valid.clone();
                if t.template == "/auth/register" {
                    body["username"] =
                        json!(format!("{}-utf8", body["username"].as_str().unwrap_or_default()));
                }
                json_bytes(&body)
            },
            Want::Success,
        ),
        (
            "unknown fields".into(),
            json_ct,
            {
                let mut body = t.valid.clone();
                body["unknown_field"] = json!({"nested": [1, 2, 3]});
                body["x-extra"] = json!(null);
                json_bytes(&body)
            },
            Want::Success,
        ),
    ];
    if field == "recipient_id" {
        for id in [
            json!("99999999999999999999999"),
            json!(99999999999999999999999.0),
            json!(-1),
            json!("-1"),
            json!("abc"),
            json!(1.5),
        ] {
            cases.push((
                format!("recipient_id {id}"),
                json_ct,
                with(&t.valid, field, id),
                Want::Field("recipient_id", "NUMBER_TYPE_COERCE"),
            ));
        }
        // Over the recipient maximum, within the 8 KiB body limit: Discord's 30004.
        let many: Vec<u64> = (1..=500).collect();
        cases.push((
            "recipients: 500 ids".into(),
            json_ct,
            json_bytes(&json!({"recipients": many})),
            Want::Code(400, 30004),
        ));
        // Over the body limit: 413 before the ids are read.
        cases.push((
            "recipients: 100000 ids".into(),
            json_ct,
            json_bytes(&json!({"recipients": huge_array})),
            Want::Code(413, 40005),
        ));
    }
    cases
        .into_iter()
        .map(|(name, content_type, body, want)| Case {
            name: format!("{} {}: {name}", t.method, t.template),
            method: t.method,
            template: t.template,
            path: t.path.clone(),
            auth: t.auth.clone(),
            content_type,
            body,
            want,
        })
        .collect()
}

/// A's `PATCH /users/@me` with the JSON `body`.
fn patch_me(p: &People, what: &str, body: Vec<u8>, want: Want) -> Case {
    Case {
        name: format!("PATCH /users/@me: {what}"),
        method: "PATCH",
        template: "/users/@me",
        path: "/users/@me".into(),
        auth: Some(p.a.0.clone()),
        content_type: Some("application/json"),
        body,
        want,
    }
}

/// A request whose method starts its name; the operations that read a body get `{}`.
fn get(name: &str, template: &'static str, path: String, auth: &str, want: Want) -> Case {
    let method =
        ["DELETE", "PUT", "POST"].into_iter().find(|m| name.starts_with(m)).unwrap_or("GET");
    let reads_body = template == "/users/@me/relationships/{user_id}" && method == "PUT";
    Case {
        name: name.to_owned(),
        method,
        template,
        path,
        auth: Some(auth.to_owned()),
        content_type: reads_body.then_some("application/json"),
        body: if reads_body { b"{}".to_vec() } else { Vec::new() },
        want,
    }
}

/// Ids that are not numbers or not snowflakes, and query values out of range.
fn id_and_query_cases(p: &People) -> Vec<Case> {
    let a = p.a.0.as_str();
    let bad_ids =
        ["abc", "99999999999999999999999", "18446744073709551616", "-1", "1e3", "0x10", "%20"];
    let mut cases = Vec::new();
    let (user, guild, channel) =
        (Want::Code(404, 10013), Want::Code(404, 10004), Want::Code(404, 10003));
    // Every operation with an id in its path: which parameter gets the bad id (the others get
    // valid ids) and the unknown-thing answer it must give.
    let operations = [
        ("PUT", "/users/@me/relationships/{user_id}", "user_id", user),
        ("DELETE", "/users/@me/relationships/{user_id}", "user_id", user),
        ("GET", "/users/{user_id}/profile", "user_id", user),
        ("GET", "/guilds/{guild_id}", "guild_id", guild),
        ("GET", "/users/@me/guilds/{guild_id}/member", "guild_id", guild),
        ("DELETE", "/users/@me/guilds/{guild_id}", "guild_id", guild),
        ("PUT", "/guilds/{guild_id}/members/{user_id}", "user_id", user),
        ("DELETE", "/channels/{channel_id}", "channel_id", channel),
        ("PUT", "/channels/{channel_id}/recipients/{user_id}", "channel_id", channel),
        ("PUT", "/channels/{channel_id}/recipients/{user_id}", "user_id", user),
        ("DELETE", "/channels/{channel_id}/recipients/{user_id}", "user_id", user),
        ("POST", "/invites/{code}", "code", Want::Code(404, 10006)),
    ];
    for id in bad_ids {
        for (method, template, bad, want) in operations {
            let mut path = template.replace(&format!("{{{bad}}}"), id);
            for (param, valid) in
                [("guild_id", &p.guild), ("channel_id", &p.group), ("user_id", &p.b.1)]
            {
                path = path.replace(&format!("{{{param}}}"), valid);
            }
            cases.push(get(&format!("{method} {template}, {bad} {id}"), template, path, a, want));
        }
    }
    for query in [
        "limit=-1",
        "limit=0",
        "limit=201",
        "limit=1e3",
        "limit=99999999999999999999",
        "limit=",
        "after=abc",
        // Not the snowflake pattern. (Digits beyond 2^63 are: such a bound lies past every id,
        // and guilds.rs checks that it is accepted.)
        "after=01",
        "before=-1",
        "before=1.5",
        "before=",
        "with_counts=yes",
    ] {
        let field = query.split('=').next().unwrap();
        let code = if field == "with_counts" {
            "BOOLEAN_TYPE_COERCE"
        } else if field == "limit"
            && !query.contains("e3")
            && !query.ends_with('=')
            && query != "limit=99999999999999999999"
        {
            "NUMBER_TYPE_MAX"
        } else {
            "NUMBER_TYPE_COERCE"
        };
        for list in ["guilds", "communities"] {
            cases.push(get(
                &format!("GET {list}?{query}"),
                if list == "guilds" { "/users/@me/guilds" } else { "/users/@me/communities" },
                format!("/users/@me/{list}?{query}"),
                a,
                Want::Field(if field == "with_counts" { "with_counts" } else { field }, code),
            ));
        }
    }
    for query in
        ["with_mutual_guilds=2", "with_mutual_friends=maybe", "with_mutual_friends_count=-1"]
    {
        let field = query.split('=').next().unwrap();
        cases.push(get(
            &format!("GET profile?{query}"),
            "/users/{user_id}/profile",
            format!("/users/{}/profile?{query}", p.b.1),
            a,
            Want::Field(field, "BOOLEAN_TYPE_COERCE"),
        ));
    }
    // Unknown query parameters are ignored.
    cases.push(get(
        "GET guilds?unknown=1",
        "/users/@me/guilds",
        "/users/@me/guilds?unknown=1&limit=5&limit=x".into(),
        a,
        Want::Success,
    ));
    cases
}

/// Sends one case and checks its answer; answers the failures.
async fn run(app: &TestApp, case: &Case) -> Vec<String> {
    let (status, content_type, bytes) = app
        .send_raw(
            case.method,
            "/api/v10",
            &case.path,
            case.auth.as_deref(),
            case.content_type,
            case.body.clone(),
        )
        .await;
    let body: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    let shown = String::from_utf8_lossy(&bytes[..bytes.len().min(300)]).into_owned();
    let mut failures = Vec::new();
    let ok = match case.want {
        Want::Success => (200..300).contains(&status),
        Want::Code(s, code) => status == s && body["code"] == code,
        Want::Field(field, code) => {
            let errors = if field.is_empty() { &body["errors"] } else { &body["errors"][field] };
            status == 400 && body["code"] == 50035 && errors["_errors"][0]["code"] == code
        }
    };
    if !ok {
        failures.push(format!("{}: {status} {shown}, expected {:?}", case.name, case.want));
    }
    if status >= 400 && !content_type.starts_with("application/json") {
        failures.push(format!("{}: {status} is not JSON ({content_type})", case.name));
    }
    if let Err(e) = check_response_body(case.method, case.template, status, &body) {
        failures.push(format!("{}: {}", case.name, &e[..e.len().min(400)]));
    }
    failures
}

backend_test!(bad_input_catalogue);
async fn bad_input_catalogue(app: TestApp) {
    let (a_token, a_id) = app.register("victim").await;
    let b = app.register("target").await;
    let friend = app.register("pal").await;
    app.register("bystander").await;
    app.call(
        "PUT",
        &format!("/users/@me/relationships/{}", friend.1),
        Some(&a_token),
        Some(json!({})),
    )
    .await;
    app.call("PUT", &format!("/users/@me/relationships/{a_id}"), Some(&friend.0), Some(json!({})))
        .await;
    // Group DMs are among friends: A's group is with A's friend.
    let (_, group) = app
        .call(
            "POST",
            "/users/@me/channels",
            Some(&a_token),
            Some(json!({"recipients": [friend.1], "type": 3})),
        )
        .await;
    let (_, guild) =
        app.call("POST", "/guilds", Some(&a_token), Some(json!({"name": "Victim's"}))).await;
    let p = People {
        a: (a_token, a_id),
        b,
        friend,
        group: group["id"].as_str().unwrap().to_owned(),
        guild: guild["id"].as_str().unwrap().to_owned(),
    };

    let mut cases = Vec::new();
    for (i, target) in body_targets(&p, "newcomer").into_iter().enumerate() {
        let mut target = target;
        // The refused registrations carry this name; the accepted one (unknown fields, last)
        // would find it taken had any of them created the account.
        if target.template == "/auth/register" {
            target.valid["username"] = json!(format!("newcomer{i}"));
        }
        cases.extend(body_cases(&target));
    }
    // Images: zero bytes, and 20 MB (under the 32 MiB body limit, over the 10 MiB image limit).
    let twenty_mb = format!("data:image/png;base64,{}", "A".repeat(20 << 20));
    for field in ["avatar", "banner"] {
        for (what, value) in [("zero-byte", json!("")), ("20 MB", json!(twenty_mb))] {
            let body = json_bytes(&json!({field: value}));
            let want = Want::Field(field, "IMAGE_INVALID");
            cases.push(patch_me(&p, &format!("{what} {field}"), body, want));
        }
    }
    // Over the default body limit: 413, before the body is read.
    let huge = json_bytes(&json!({"avatar": "A".repeat(DEFAULT_MAX_BODY_BYTES)}));
    cases.push(patch_me(&p, "body over the 32 MiB limit", huge, Want::Code(413, 40005)));
    // Duplicate keys: the last one counts, whole-body validation still applies.
    for (body, want) in [
        (
            r#"{"locale": "fr", "locale": "no-such-locale"}"#,
            Want::Field("locale", "BASE_TYPE_CHOICES"),
        ),
        (r#"{"locale": "no-such-locale", "locale": "da"}"#, Want::Success),
    ] {
        cases.push(patch_me(&p, &format!("duplicate keys {body}"), body.as_bytes().to_vec(), want));
    }
    cases.extend(id_and_query_cases(&p));

    let mut failures = Vec::new();
    let (mut refused, mut accepted) = (0, 0);
    for case in &cases {
        let before = state(&app, &p).await;
        failures.extend(run(&app, case).await);
        if matches!(case.want, Want::Success) {
            accepted += 1;
        } else {
            refused += 1;
            let after = state(&app, &p).await;
            if before != after {
                failures.push(format!("{}: the data changed", case.name));
            }
        }
    }
    // The last duplicate key was the one applied.
    let (_, me) = app.call("GET", "/users/@me", Some(&p.a.0), None).await;
    assert_eq!(me["locale"], "da");
    assert!(
        failures.is_empty(),
        "{} of {} catalogue cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
    println!("bad-input catalogue: {} cases ({refused} refused with the data unchanged, {accepted} accepted)", cases.len());
}
