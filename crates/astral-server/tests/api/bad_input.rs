//! The bad-input catalogue: each kind of bad input, sent through HTTP to every operation that
//! reads it (bodies, path ids, query parameters), gets a Discord-shaped 4xx that the contract
//! documents, and leaves the data exactly as it was. Unknown fields are ignored, as Discord
//! does; of duplicate keys the last one counts (serde_json's rule, and Python's, which Discord's
//! parser follows).

use std::io::Cursor;

use astral_server::config::DEFAULT_MAX_BODY_BYTES;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use image::{ImageFormat, Rgb, RgbImage};
use serde_json::{json, Value};

use crate::support::{
    backend_test, check_response_body, contract_as_json_schema, contract_validator, TestApp,
};

const PASSWORD: &str = "correct horse battery";
/// A's custom preference's id, set up front: statuses may name it. A macro, so that error
/// paths under it are literals (`concat!`).
macro_rules! preference_id {
    () => {
        "3f2b8e4a-1c2d-4e5f-8a9b-0c1d2e3f4a5b"
    };
}
const PREFERENCE: &str = preference_id!();
/// A well-formed preference id that is none of A's.
const OTHER_PREFERENCE: &str = "00000000-0000-4000-8000-000000000000";

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

/// What a case expects: a status and Discord JSON code, a field error code at a dotted path
/// under `errors` (`fields.0.entries.3.value`; request-level when `""`), or success.
#[derive(Clone, Copy, Debug)]
enum Want {
    Code(u16, i64),
    Field(&'static str, &'static str),
    /// 50035 with an error at this field, whatever its code.
    RefusedAt(&'static str),
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
    /// One of A's pride flags, and one of A's members (id and name).
    flag: String,
    member: (String, String),
}

/// The data a bad request must not change: what A, B and A's friend see of themselves (the
/// profile fields and short id with the account), and A's pride flags and members.
async fn state(app: &TestApp, p: &People) -> Value {
    let members = format!("/users/{}/members", p.a.1);
    let mut reads = Vec::new();
    for token in [&p.a.0, &p.b.0, &p.friend.0] {
        for path in [
            "/users/@me",
            "/users/@me/relationships",
            "/users/@me/channels",
            "/users/@me/guilds?with_counts=true",
            "/users/@me/flags",
        ] {
            reads.push(app.call("GET", path, Some(token), None));
        }
    }
    reads.push(app.call("GET", &members, Some(&p.a.0), None));
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
            auth: a.clone(),
        },
        BodyTarget {
            method: "POST",
            template: "/users/@me/flags",
            path: "/users/@me/flags".into(),
            valid: json!({"flag": png(7), "name": "Valid Flag"}),
            field: "name",
            auth: a.clone(),
        },
        BodyTarget {
            method: "PATCH",
            template: "/users/@me/flags/{flag_id}",
            path: format!("/users/@me/flags/{}", p.flag),
            valid: json!({"name": "Renamed Flag"}),
            field: "name",
            auth: a.clone(),
        },
        BodyTarget {
            method: "POST",
            template: "/members",
            path: "/members".into(),
            valid: json!({"name": "newmember"}),
            field: "name",
            auth: a.clone(),
        },
        BodyTarget {
            method: "PATCH",
            template: "/members/{member_id}",
            path: format!("/members/{}", p.member.0),
            valid: json!({"display_name": "Shown Name"}),
            field: "display_name",
            auth: a.clone(),
        },
        // issue 16 D: the valid body renames A's guild to its own name (no change).
        BodyTarget {
            method: "PATCH",
            template: "/guilds/{guild_id}",
            path: format!("/guilds/{}", p.guild),
            valid: json!({"name": "Victim's"}),
            field: "name",
            auth: a,
        },
        // issue 16 B: anonymous, and the same answer for any login.
        BodyTarget {
            method: "POST",
            template: "/auth/forgot",
            path: "/auth/forgot".into(),
            valid: json!({"login": "nobody-at-all"}),
            field: "login",
            auth: None,
        },
        // issue 16 C-l: anonymous; a well-formed body names no ticket (60006, below).
        BodyTarget {
            method: "POST",
            template: "/auth/mfa/{authenticator_type}",
            path: "/auth/mfa/totp".into(),
            valid: json!({"ticket": "no-such-ticket", "code": "123456"}),
            field: "ticket",
            auth: None,
        },
    ]
}

/// The other operations that read a JSON body, for [`schema_violation_cases`] only (their own
/// refusals are in tests/api/accounts.rs, sessions.rs, mfa.rs, email.rs and passwords.rs).
/// Every JSON body of the contract is in this list or in [`body_targets`]
/// (the catalogue checks it).
fn schema_only_targets(p: &People, mfa_token: &str) -> Vec<BodyTarget> {
    let target = |method, path: &'static str, valid: Value, auth: Option<&str>| BodyTarget {
        method,
        template: path,
        path: path.to_owned(),
        field: "",
        valid,
        auth: auth.map(str::to_owned),
    };
    let a = Some(p.a.0.as_str());
    let password = json!({"password": PASSWORD});
    vec![
        target("POST", "/auth/sessions/logout", json!({"session_id_hashes": ["FdDFQ4Ef4AA"]}), a),
        target("POST", "/users/@me/disable", password.clone(), a),
        target("POST", "/users/@me/delete", password, a),
        target(
            "POST",
            "/auth/reset",
            json!({"token": "no-such-token", "password": "a new pass phrase"}),
            None,
        ),
        target("POST", "/auth/verify", json!({"token": "no-such-token"}), None),
        target("POST", "/users/@me/email/verify-code", json!({"code": "123456"}), a),
        target(
            "POST",
            "/mfa/finish",
            json!({"ticket": "no-such-ticket", "mfa_type": "totp", "data": "123456"}),
            a,
        ),
        target(
            "POST",
            "/users/@me/mfa/totp/enable",
            json!({"password": PASSWORD, "secret": "JBSWY3DPEHPK3PXP", "code": "123456"}),
            a,
        ),
        target("POST", "/users/@me/mfa/totp/disable", json!({"code": "123456"}), Some(mfa_token)),
    ]
}

/// Routes whose bodies may carry images: they have the image budget, not the 8 KiB JSON one.
const IMAGE_ROUTES: [&str; 4] =
    ["/users/@me", "/users/@me/flags", "/members", "/members/{member_id}"];

/// A small PNG as a data URI.
fn png(shade: u8) -> String {
    let img = RgbImage::from_fn(6, 4, |x, _| Rgb([shade, (x * 40) as u8, 90]));
    let mut out = Cursor::new(Vec::new());
    img.write_to(&mut out, ImageFormat::Png).unwrap();
    format!("data:image/png;base64,{}", STANDARD.encode(out.into_inner()))
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
    // before their fields are read. The routes that take images have the image budget.
    let over_json_limit = (!IMAGE_ROUTES.contains(&t.template)).then_some(Want::Code(413, 40005));
    let json_ct = Some("application/json");
    // issue 16 C-l: a well-formed body of `POST /auth/mfa/{authenticator_type}` names no live
    // ticket: the answer that shows it was read is 60006.
    let accepted = match t.template {
        "/auth/mfa/{authenticator_type}" => Want::Code(400, 60006),
        _ => Want::Success,
    };
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
                    "/users/@me" | "/users/@me/relationships/{user_id}" | "/members/{member_id}",
                    "global_name" | "nickname" | "type" | "display_name",
                ) => Want::Success,
                _ => Want::Field(field, "BASE_TYPE_REQUIRED"),
            },
        ),
        (
            "JSON with a charset parameter".into(),
            Some("application/json; charset=utf-8"),
            {
                let mut body = t.valid.clone();
                // Names that must be unique: the accepted cases create two.
                if matches!(t.template, "/auth/register" | "/members") {
                    body[field] =
                        json!(format!("{}-utf8", body[field].as_str().unwrap_or_default()));
                }
                json_bytes(&body)
            },
            accepted,
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
            accepted,
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

/// The properties of a request schema of the contract (following `$ref` and `allOf`).
fn request_properties(schema: &'static Value) -> Vec<&'static str> {
    let contract = contract_as_json_schema();
    let mut names = Vec::new();
    let mut pending = vec![schema];
    while let Some(schema) = pending.pop() {
        if let Some(r) = schema["$ref"].as_str() {
            pending.push(&contract["components"]["schemas"][r.rsplit('/').next().unwrap()]);
        }
        pending.extend(schema["allOf"].as_array().into_iter().flatten());
        names.extend(
            schema["properties"].as_object().into_iter().flatten().map(|(k, _)| k.as_str()),
        );
    }
    names
}

/// Schemathesis's "schema-violating request accepted" check, made exhaustive and deterministic:
/// each property of the operation's request schema, set in the valid body to each value of a
/// kind its schema does not allow (null where it is not nullable, a number for a string, ...),
/// is refused at that property. The valid body itself must match the schema.
fn schema_violation_cases(t: &BodyTarget) -> Vec<Case> {
    let operation = &contract_as_json_schema()["paths"][t.template][t.method.to_ascii_lowercase()];
    let schema = &operation["requestBody"]["content"]["application/json"]["schema"];
    assert!(
        schema.is_object(),
        "{} {}: no JSON request body in the contract",
        t.method,
        t.template
    );
    let validator = contract_validator(schema).unwrap();
    assert!(
        validator.is_valid(&t.valid),
        "{} {}: the valid body {} does not match the contract",
        t.method,
        t.template,
        t.valid
    );
    let probes = [Value::Null, json!(7), json!(1.5), json!("x"), json!(true), json!([]), json!({})];
    let mut cases = Vec::new();
    for name in request_properties(schema) {
        for probe in &probes {
            let mut body = t.valid.clone();
            body[name] = probe.clone();
            if validator.is_valid(&body) {
                continue;
            }
            cases.push(Case {
                name: format!(
                    "{} {}: {name} = {probe}, which the contract refuses",
                    t.method, t.template
                ),
                method: t.method,
                template: t.template,
                path: t.path.clone(),
                auth: t.auth.clone(),
                content_type: Some("application/json"),
                body: json_bytes(&body),
                want: Want::RefusedAt(name),
            });
        }
    }
    cases
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

/// A's JSON request to `method path` (`template` in the contract).
fn a_sends(
    p: &People,
    method: &'static str,
    template: &'static str,
    path: &str,
    what: &str,
    body: Value,
    want: Want,
) -> Case {
    Case {
        name: format!("{method} {template}: {what}"),
        method,
        template,
        path: path.to_owned(),
        auth: Some(p.a.0.clone()),
        content_type: Some("application/json"),
        body: json_bytes(&body),
        want,
    }
}

/// `n` copies of `item`.
fn times(n: usize, item: Value) -> Value {
    Value::Array(vec![item; n])
}

/// A custom preference, valid but for `change`.
fn preference(change: Value) -> Value {
    let mut pref = json!({"icon": "star", "tooltip": "Star", "size": "normal", "muted": false, "favourite": true});
    for (k, v) in change.as_object().into_iter().flatten() {
        pref[k] = v.clone();
    }
    pref
}

/// Bad values of the profile fields, as `PATCH /users/@me`, `POST /members` and
/// `PATCH /members/{member_id}` read them alike: (what, body, field path, error code).
fn profile_field_cases() -> Vec<(String, Value, &'static str, &'static str)> {
    let ok_entry = json!({"value": "Al", "status": "okay"});
    let ok_pronouns = json!({"pronouns": "they/them", "status": "okay"});
    let entry = |value: Value, status: Value| json!({"value": value, "status": status});
    let long = |n: usize| json!("ä".repeat(n));
    let mut cases: Vec<(String, Value, &'static str, &'static str)> = vec![];
    let mut add = |what: &str, body: Value, path: &'static str, code: &'static str| {
        cases.push((what.to_owned(), body, path, code));
    };
    // The bio (1–1000).
    add("bio a number", json!({"bio": 5}), "bio", "STRING_TYPE_CONVERT");
    add("bio an object", json!({"bio": {"a": 1}}), "bio", "STRING_TYPE_CONVERT");
    add("bio empty", json!({"bio": ""}), "bio", "BASE_TYPE_BAD_LENGTH");
    add("bio of 1001", json!({"bio": long(1001)}), "bio", "BASE_TYPE_BAD_LENGTH");
    add("bio with NUL", json!({"bio": "a\u{0}b"}), "bio", "STRING_TYPE_INVALID_CHARACTERS");
    // Links.
    add("links a string", json!({"links": "https://x.example"}), "links", "LIST_TYPE_CONVERT");
    add("links an object", json!({"links": {"0": "a"}}), "links", "LIST_TYPE_CONVERT");
    add("links null", json!({"links": null}), "links", "BASE_TYPE_REQUIRED");
    add("26 links", json!({"links": times(26, json!("a"))}), "links", "BASE_TYPE_MAX_LENGTH");
    add("a link a number", json!({"links": ["a", 5]}), "links.1", "STRING_TYPE_CONVERT");
    add("a link null", json!({"links": [null]}), "links.0", "BASE_TYPE_REQUIRED");
    add("a link empty", json!({"links": ["a", ""]}), "links.1", "BASE_TYPE_BAD_LENGTH");
    add("a link of 257", json!({"links": [long(257)]}), "links.0", "BASE_TYPE_BAD_LENGTH");
    add(
        "a link with NUL",
        json!({"links": ["a\u{0}"]}),
        "links.0",
        "STRING_TYPE_INVALID_CHARACTERS",
    );
    add("a link a list", json!({"links": [["a"]]}), "links.0", "STRING_TYPE_CONVERT");
    // Names.
    add("names a string", json!({"names": "Al"}), "names", "LIST_TYPE_CONVERT");
    add("51 names", json!({"names": times(51, ok_entry.clone())}), "names", "BASE_TYPE_MAX_LENGTH");
    add("a name a string", json!({"names": ["Al"]}), "names.0", "DICT_TYPE_CONVERT");
    add("a name null", json!({"names": [ok_entry, null]}), "names.1", "BASE_TYPE_REQUIRED");
    add(
        "a name without status",
        json!({"names": [{"value": "Al"}]}),
        "names.0.status",
        "BASE_TYPE_REQUIRED",
    );
    add(
        "a name without value",
        json!({"names": [{"status": "okay"}]}),
        "names.0.value",
        "BASE_TYPE_REQUIRED",
    );
    add(
        "a name's value a number",
        json!({"names": [entry(json!(5), json!("okay"))]}),
        "names.0.value",
        "STRING_TYPE_CONVERT",
    );
    add(
        "a name's value of 101",
        json!({"names": [entry(long(101), json!("okay"))]}),
        "names.0.value",
        "BASE_TYPE_BAD_LENGTH",
    );
    add(
        "a name's value with NUL",
        json!({"names": [entry(json!("A\u{0}"), json!("okay"))]}),
        "names.0.value",
        "STRING_TYPE_INVALID_CHARACTERS",
    );
    add(
        "a name's status unknown",
        json!({"names": [entry(json!("Al"), json!("great"))]}),
        "names.0.status",
        "BASE_TYPE_CHOICES",
    );
    add(
        "a name's status in capitals",
        json!({"names": [entry(json!("Al"), json!("OKAY"))]}),
        "names.0.status",
        "BASE_TYPE_CHOICES",
    );
    add(
        "a name's status a number",
        json!({"names": [entry(json!("Al"), json!(1))]}),
        "names.0.status",
        "STRING_TYPE_CONVERT",
    );
    add(
        "a name's status a preference not theirs",
        json!({"names": [entry(json!("Al"), json!(OTHER_PREFERENCE))]}),
        "names.0.status",
        "BASE_TYPE_CHOICES",
    );
    add(
        "a name's status a UUID without hyphens",
        json!({"names": [entry(json!("Al"), json!(PREFERENCE.replace('-', "")))]}),
        "names.0.status",
        "BASE_TYPE_CHOICES",
    );
    // Pronoun entries, under either name.
    add(
        "51 pronoun entries",
        json!({"pronoun_entries": times(51, ok_pronouns.clone())}),
        "pronoun_entries",
        "BASE_TYPE_MAX_LENGTH",
    );
    add(
        "pronoun entries a string",
        json!({"pronoun_entries": "they/them"}),
        "pronoun_entries",
        "LIST_TYPE_CONVERT",
    );
    add(
        "a pronoun entry without status",
        json!({"pronoun_entries": [{"pronouns": "they/them"}]}),
        "pronoun_entries.0.status",
        "BASE_TYPE_REQUIRED",
    );
    add(
        "a pronoun entry's pronouns empty",
        json!({"pronoun_entries": [{"pronouns": "", "status": "okay"}]}),
        "pronoun_entries.0.pronouns",
        "BASE_TYPE_BAD_LENGTH",
    );
    add(
        "a pronoun entry's display text of 101",
        json!({"pronoun_entries": [ok_pronouns.clone(), {"pronouns": "she/her", "display_text": long(101), "status": "okay"}]}),
        "pronoun_entries.1.display_text",
        "BASE_TYPE_BAD_LENGTH",
    );
    add(
        "a pronoun entry's display text a number",
        json!({"pronoun_entries": [{"pronouns": "she/her", "display_text": 5, "status": "okay"}]}),
        "pronoun_entries.0.display_text",
        "STRING_TYPE_CONVERT",
    );
    add(
        "pronouns (the alias) with a bad entry",
        json!({"pronouns": [{"pronouns": "x"}]}),
        "pronouns.0.status",
        "BASE_TYPE_REQUIRED",
    );
    add(
        "pronouns and pronoun_entries differing",
        json!({"pronouns": [ok_pronouns.clone()], "pronoun_entries": []}),
        "pronouns",
        "FIELD_ALIAS_CONFLICT",
    );
    // Fields and their entries.
    let field = |entries: Value| json!({"name": "Likes", "entries": entries});
    add(
        "26 fields",
        json!({"fields": times(26, field(json!([])))}),
        "fields",
        "BASE_TYPE_MAX_LENGTH",
    );
    add("a field a number", json!({"fields": [5]}), "fields.0", "DICT_TYPE_CONVERT");
    add(
        "a field without entries",
        json!({"fields": [{"name": "Likes"}]}),
        "fields.0.entries",
        "BASE_TYPE_REQUIRED",
    );
    add(
        "a field's entries null",
        json!({"fields": [field(Value::Null)]}),
        "fields.0.entries",
        "BASE_TYPE_REQUIRED",
    );
    add(
        "a field's entries a string",
        json!({"fields": [field(json!("tea"))]}),
        "fields.0.entries",
        "LIST_TYPE_CONVERT",
    );
    add(
        "a field's name empty",
        json!({"fields": [{"name": "", "entries": []}]}),
        "fields.0.name",
        "BASE_TYPE_BAD_LENGTH",
    );
    add(
        "a field's name of 101",
        json!({"fields": [{"name": long(101), "entries": []}]}),
        "fields.0.name",
        "BASE_TYPE_BAD_LENGTH",
    );
    add(
        "101 entries in a field",
        json!({"fields": [field(times(101, entry(json!("tea"), json!("okay"))))]}),
        "fields.0.entries",
        "BASE_TYPE_MAX_LENGTH",
    );
    let mut four = times(3, entry(json!("tea"), json!("okay")));
    four.as_array_mut().unwrap().push(entry(json!(""), json!("okay")));
    add(
        "a field's fourth entry empty",
        json!({"fields": [field(json!([])), field(four)]}),
        "fields.1.entries.3.value",
        "BASE_TYPE_BAD_LENGTH",
    );
    add(
        "a field entry's status unknown",
        json!({"fields": [field(json!([entry(json!("tea"), json!("great"))]))]}),
        "fields.0.entries.0.status",
        "BASE_TYPE_CHOICES",
    );
    add(
        "a field entry's status a preference not theirs",
        json!({"fields": [field(json!([entry(json!("tea"), json!(OTHER_PREFERENCE))]))]}),
        "fields.0.entries.0.status",
        "BASE_TYPE_CHOICES",
    );
    add(
        "a field entry nested 100 deep",
        json!({"fields": [field(json!([serde_json::from_str::<Value>(&format!("{}1{}", "[".repeat(100), "]".repeat(100))).unwrap()]))]}),
        "fields.0.entries.0",
        "DICT_TYPE_CONVERT",
    );
    cases
}

/// Bad values of the fields only `PATCH /users/@me` reads: (what, body, field path, code).
fn user_only_field_cases() -> Vec<(String, Value, &'static str, &'static str)> {
    let long = |n: usize| json!("ä".repeat(n));
    let uuid = |i: usize| format!("00000000-0000-4000-8000-{i:012x}");
    let many: serde_json::Map<String, Value> =
        (0..51).map(|i| (uuid(i), preference(json!({})))).collect();
    let at = |change: Value| json!({"custom_preferences": {PREFERENCE: preference(change)}});
    macro_rules! p {
        ($rest:literal) => {
            concat!("custom_preferences.", preference_id!(), $rest)
        };
    }
    let mut cases: Vec<(String, Value, &'static str, &'static str)> = vec![];
    let mut add = |what: &str, body: Value, path: &'static str, code: &'static str| {
        cases.push((what.to_owned(), body, path, code));
    };
    add("member_title a number", json!({"member_title": 5}), "member_title", "STRING_TYPE_CONVERT");
    add("member_title empty", json!({"member_title": ""}), "member_title", "BASE_TYPE_BAD_LENGTH");
    add(
        "member_title of 151",
        json!({"member_title": long(151)}),
        "member_title",
        "BASE_TYPE_BAD_LENGTH",
    );
    add(
        "member_title with NUL",
        json!({"member_title": "\u{0}"}),
        "member_title",
        "STRING_TYPE_INVALID_CHARACTERS",
    );
    add("timezone a number", json!({"timezone": 5}), "timezone", "STRING_TYPE_CONVERT");
    add("timezone empty", json!({"timezone": ""}), "timezone", "BASE_TYPE_BAD_LENGTH");
    add("timezone of 65", json!({"timezone": "x".repeat(65)}), "timezone", "BASE_TYPE_BAD_LENGTH");
    add(
        "timezone unknown",
        json!({"timezone": "Mars/Olympus_Mons"}),
        "timezone",
        "TIMEZONE_INVALID",
    );
    add(
        "timezone a path",
        json!({"timezone": "../../../etc/passwd"}),
        "timezone",
        "TIMEZONE_INVALID",
    );
    add(
        "timezone with NUL",
        json!({"timezone": "Europe/Berlin\u{0}"}),
        "timezone",
        "STRING_TYPE_INVALID_CHARACTERS",
    );
    for (what, v) in [
        ("a string", json!("yes")),
        ("a number", json!(1)),
        ("null", Value::Null),
        ("a list", json!([true])),
    ] {
        add(
            &format!("list_private {what}"),
            json!({"list_private": v}),
            "list_private",
            "BOOLEAN_TYPE_CONVERT",
        );
    }
    add(
        "custom_preferences a list",
        json!({"custom_preferences": []}),
        "custom_preferences",
        "DICT_TYPE_CONVERT",
    );
    add(
        "custom_preferences a string",
        json!({"custom_preferences": "x"}),
        "custom_preferences",
        "DICT_TYPE_CONVERT",
    );
    add(
        "custom_preferences null",
        json!({"custom_preferences": null}),
        "custom_preferences",
        "BASE_TYPE_REQUIRED",
    );
    add(
        "51 custom preferences",
        json!({"custom_preferences": many}),
        "custom_preferences",
        "BASE_TYPE_MAX_LENGTH",
    );
    add(
        "a custom preference id not a UUID",
        json!({"custom_preferences": {"not-a-uuid": preference(json!({}))}}),
        "custom_preferences.not-a-uuid",
        "BASE_TYPE_INVALID_UUID",
    );
    add(
        "a custom preference id twice (case)",
        json!({"custom_preferences": {PREFERENCE.to_ascii_uppercase(): preference(json!({})), PREFERENCE: preference(json!({}))}}),
        p!(""),
        "BASE_TYPE_DUPLICATE",
    );
    add(
        "a custom preference a number",
        json!({"custom_preferences": {PREFERENCE: 5}}),
        p!(""),
        "DICT_TYPE_CONVERT",
    );
    add(
        "a custom preference empty",
        json!({"custom_preferences": {PREFERENCE: {}}}),
        p!(".icon"),
        "BASE_TYPE_REQUIRED",
    );
    add(
        "a custom preference's size unknown",
        at(json!({"size": "huge"})),
        p!(".size"),
        "BASE_TYPE_CHOICES",
    );
    add(
        "a custom preference's muted a string",
        at(json!({"muted": "no"})),
        p!(".muted"),
        "BOOLEAN_TYPE_CONVERT",
    );
    add(
        "a custom preference's favourite null",
        at(json!({"favourite": null})),
        p!(".favourite"),
        "BASE_TYPE_REQUIRED",
    );
    add(
        "a custom preference's icon of 51",
        at(json!({"icon": long(51)})),
        p!(".icon"),
        "BASE_TYPE_BAD_LENGTH",
    );
    add(
        "a custom preference's tooltip with NUL",
        at(json!({"tooltip": "a\u{0}"})),
        p!(".tooltip"),
        "STRING_TYPE_INVALID_CHARACTERS",
    );
    add(
        "a status naming a preference the same body removes",
        json!({"custom_preferences": {}, "names": [{"value": "Al", "status": PREFERENCE}]}),
        "names.0.status",
        "BASE_TYPE_CHOICES",
    );
    add(
        "good fields with one bad",
        json!({"bio": "Changed", "member_title": "Changed", "links": ["https://a.example"], "timezone": "Europe/Berlin", "list_private": true, "fields": 5}),
        "fields",
        "LIST_TYPE_CONVERT",
    );
    // issue 16 A: the account fields.
    add("accent_color -1", json!({"accent_color": -1}), "accent_color", "NUMBER_TYPE_MIN");
    add(
        "accent_color 16777216",
        json!({"accent_color": 16_777_216}),
        "accent_color",
        "NUMBER_TYPE_MAX",
    );
    add(
        "accent_color a string",
        json!({"accent_color": "red"}),
        "accent_color",
        "NUMBER_TYPE_COERCE",
    );
    add(
        "accent_color a fraction",
        json!({"accent_color": 1.5}),
        "accent_color",
        "NUMBER_TYPE_COERCE",
    );
    for bad in ["12345", "ab", "", "-1", "１２"] {
        add(
            &format!("discriminator {bad:?}"),
            json!({"discriminator": bad, "password": PASSWORD}),
            "discriminator",
            "BASE_TYPE_REGEX_MISMATCH",
        );
    }
    add(
        "discriminator a number",
        json!({"discriminator": 7}),
        "discriminator",
        "STRING_TYPE_CONVERT",
    );
    add("pronouns of 41", json!({"pronouns": long(41)}), "pronouns", "BASE_TYPE_BAD_LENGTH");
    add("pronouns a number", json!({"pronouns": 5}), "pronouns", "STRING_TYPE_CONVERT");
    add(
        "pronouns with NUL",
        json!({"pronouns": "a\u{0}"}),
        "pronouns",
        "STRING_TYPE_INVALID_CHARACTERS",
    );
    add(
        "email null",
        json!({"email": null, "password": PASSWORD}),
        "email",
        "EMAIL_CANNOT_BE_REMOVED",
    );
    add(
        "email malformed",
        json!({"email": "nope", "password": PASSWORD}),
        "email",
        "EMAIL_TYPE_INVALID_EMAIL",
    );
    add(
        "new_password of 7",
        json!({"new_password": "1234567", "password": PASSWORD}),
        "new_password",
        "BASE_TYPE_BAD_LENGTH",
    );
    add(
        "new_password weak",
        json!({"new_password": "password1", "password": PASSWORD}),
        "new_password",
        "PASSWORD_TOO_WEAK",
    );
    add("password null", json!({"password": null}), "password", "BASE_TYPE_REQUIRED");
    add(
        "username change without password",
        json!({"username": "renamed-a"}),
        "password",
        "BASE_TYPE_REQUIRED",
    );
    add(
        "username change with a wrong password",
        json!({"username": "renamed-a", "password": "no no no no"}),
        "password",
        "PASSWORD_DOES_NOT_MATCH",
    );
    for toggle in ["premium_badge_hidden", "premium_enabled_override", "used_mobile_client"] {
        for (what, v) in [("a string", json!("yes")), ("null", Value::Null), ("a number", json!(1))]
        {
            add(&format!("{toggle} {what}"), json!({toggle: v}), toggle, "BOOLEAN_TYPE_CONVERT");
        }
    }
    // issue 16 C: `mfa_method: totp` comes with its code; a code from an account without
    // two-factor authentication is 60002 (tests/api/accounts.rs).
    add(
        "mfa_method without mfa_code",
        json!({"mfa_method": "totp"}),
        "mfa_code",
        "BASE_TYPE_REQUIRED",
    );
    add("mfa_code a number", json!({"mfa_code": 123456}), "mfa_code", "STRING_TYPE_CONVERT");
    for (field, v) in [
        ("mfa_method", json!("sms")),
        ("mfa_method", json!("webauthn")),
        ("webauthn_response", json!({"id": "x"})),
        ("webauthn_challenge", json!("c")),
    ] {
        let what = format!("{field} {v}");
        add(&what, json!({field: v, "bio": "Changed"}), field, "MFA_METHOD_NOT_SUPPORTED");
    }
    cases
}

/// Pride flag bodies: the image, the description, and `PATCH`'s rules.
fn pride_flag_cases(p: &People) -> Vec<Case> {
    let (post, patch) = ("/users/@me/flags", "/users/@me/flags/{flag_id}");
    let patch_path = format!("/users/@me/flags/{}", p.flag);
    let gif = {
        let img = RgbImage::from_fn(2, 2, |_, _| Rgb([1, 2, 3]));
        let mut out = Cursor::new(Vec::new());
        img.write_to(&mut out, ImageFormat::Gif).unwrap();
        format!("data:image/gif;base64,{}", STANDARD.encode(out.into_inner()))
    };
    let mut cases = Vec::new();
    for (what, body, want) in [
        ("no flag", json!({"name": "F"}), Want::Field("flag", "BASE_TYPE_REQUIRED")),
        (
            "flag null",
            json!({"flag": null, "name": "F"}),
            Want::Field("flag", "BASE_TYPE_REQUIRED"),
        ),
        (
            "flag a number",
            json!({"flag": 5, "name": "F"}),
            Want::Field("flag", "STRING_TYPE_CONVERT"),
        ),
        ("flag empty", json!({"flag": "", "name": "F"}), Want::Field("flag", "IMAGE_INVALID")),
        (
            "flag not base64",
            json!({"flag": "data:image/png;base64,@@@", "name": "F"}),
            Want::Field("flag", "IMAGE_INVALID"),
        ),
        ("flag a GIF", json!({"flag": gif, "name": "F"}), Want::Field("flag", "IMAGE_INVALID")),
        (
            "flag with NUL",
            json!({"flag": "\u{0}", "name": "F"}),
            Want::Field("flag", "STRING_TYPE_INVALID_CHARACTERS"),
        ),
        (
            "name empty",
            json!({"flag": png(1), "name": ""}),
            Want::Field("name", "BASE_TYPE_BAD_LENGTH"),
        ),
        (
            "name of 101",
            json!({"flag": png(1), "name": "ä".repeat(101)}),
            Want::Field("name", "BASE_TYPE_BAD_LENGTH"),
        ),
        (
            "name with NUL",
            json!({"flag": png(1), "name": "a\u{0}"}),
            Want::Field("name", "STRING_TYPE_INVALID_CHARACTERS"),
        ),
        (
            "description of 501",
            json!({"flag": png(1), "name": "F", "description": "ä".repeat(501)}),
            Want::Field("description", "BASE_TYPE_BAD_LENGTH"),
        ),
        (
            "description a number",
            json!({"flag": png(1), "name": "F", "description": 5}),
            Want::Field("description", "STRING_TYPE_CONVERT"),
        ),
    ] {
        cases.push(a_sends(p, "POST", post, post, what, body, want));
    }
    for (what, body, want) in [
        ("name null", json!({"name": null}), Want::Field("name", "BASE_TYPE_REQUIRED")),
        ("name empty", json!({"name": ""}), Want::Field("name", "BASE_TYPE_BAD_LENGTH")),
        (
            "name with NUL",
            json!({"name": "\u{0}"}),
            Want::Field("name", "STRING_TYPE_INVALID_CHARACTERS"),
        ),
        (
            "description empty",
            json!({"description": ""}),
            Want::Field("description", "BASE_TYPE_BAD_LENGTH"),
        ),
        (
            "description of 501",
            json!({"description": "ä".repeat(501)}),
            Want::Field("description", "BASE_TYPE_BAD_LENGTH"),
        ),
        (
            "description a list",
            json!({"description": ["a"]}),
            Want::Field("description", "STRING_TYPE_CONVERT"),
        ),
        (
            "a good name with a bad description",
            json!({"name": "Changed", "description": 5}),
            Want::Field("description", "STRING_TYPE_CONVERT"),
        ),
    ] {
        cases.push(a_sends(p, "PATCH", patch, &patch_path, what, body, want));
    }
    cases
}

/// Member bodies: the member's own fields, the profile fields on create and on edit, and
/// `PATCH /users/@me`'s profile fields.
fn member_and_profile_cases(p: &People) -> Vec<Case> {
    let (create, update) = ("/members", "/members/{member_id}");
    let update_path = format!("/members/{}", p.member.0);
    let mut cases = Vec::new();
    for (what, body, want) in [
        ("name missing", json!({"bio": "B"}), Want::Field("name", "BASE_TYPE_REQUIRED")),
        ("name empty", json!({"name": ""}), Want::Field("name", "BASE_TYPE_BAD_LENGTH")),
        (
            "name of 101",
            json!({"name": "ä".repeat(101)}),
            Want::Field("name", "BASE_TYPE_BAD_LENGTH"),
        ),
        (
            "name with a slash",
            json!({"name": "a/b"}),
            Want::Field("name", "MEMBER_NAME_INVALID_CHARACTERS"),
        ),
        (
            "name with a question mark",
            json!({"name": "a?b"}),
            Want::Field("name", "MEMBER_NAME_INVALID_CHARACTERS"),
        ),
        ("name ..", json!({"name": ".."}), Want::Field("name", "MEMBER_NAME_INVALID_CHARACTERS")),
        (
            "name with a control character",
            json!({"name": "a\u{7}"}),
            Want::Field("name", "MEMBER_NAME_INVALID_CHARACTERS"),
        ),
        (
            "name with NUL",
            json!({"name": "a\u{0}"}),
            Want::Field("name", "STRING_TYPE_INVALID_CHARACTERS"),
        ),
        (
            "name taken (other case)",
            json!({"name": p.member.1.to_uppercase()}),
            Want::Field("name", "MEMBER_NAME_ALREADY_TAKEN"),
        ),
        (
            "display_name empty",
            json!({"name": "m1", "display_name": ""}),
            Want::Field("display_name", "BASE_TYPE_BAD_LENGTH"),
        ),
        (
            "hidden a string",
            json!({"name": "m1", "hidden": "yes"}),
            Want::Field("hidden", "BOOLEAN_TYPE_CONVERT"),
        ),
        (
            "hidden null",
            json!({"name": "m1", "hidden": null}),
            Want::Field("hidden", "BASE_TYPE_REQUIRED"),
        ),
        (
            "avatar empty",
            json!({"name": "m1", "avatar": ""}),
            Want::Field("avatar", "IMAGE_INVALID"),
        ),
        (
            "avatar a number",
            json!({"name": "m1", "avatar": 5}),
            Want::Field("avatar", "STRING_TYPE_CONVERT"),
        ),
    ] {
        cases.push(a_sends(p, "POST", create, create, what, body, want));
    }
    for (what, body, want) in [
        ("name null", json!({"name": null}), Want::Field("name", "BASE_TYPE_REQUIRED")),
        ("name empty", json!({"name": ""}), Want::Field("name", "BASE_TYPE_BAD_LENGTH")),
        ("name .", json!({"name": "."}), Want::Field("name", "MEMBER_NAME_INVALID_CHARACTERS")),
        (
            "name with a hash",
            json!({"name": "a#b"}),
            Want::Field("name", "MEMBER_NAME_INVALID_CHARACTERS"),
        ),
        (
            "display_name of 101",
            json!({"display_name": "ä".repeat(101)}),
            Want::Field("display_name", "BASE_TYPE_BAD_LENGTH"),
        ),
        ("hidden a number", json!({"hidden": 1}), Want::Field("hidden", "BOOLEAN_TYPE_CONVERT")),
        // issue 16 A: a member has no plain-string pronouns (a user has, `user_only_field_cases`).
        (
            "pronouns a plain string",
            json!({"pronouns": "she/her"}),
            Want::Field("pronouns", "FIELD_NOT_SUPPORTED"),
        ),
        ("avatar a list", json!({"avatar": []}), Want::Field("avatar", "STRING_TYPE_CONVERT")),
        (
            "avatar not an image",
            json!({"avatar": "data:image/png;base64,AAAA"}),
            Want::Field("avatar", "IMAGE_INVALID"),
        ),
    ] {
        cases.push(a_sends(p, "PATCH", update, &update_path, what, body, want));
    }
    for (what, body, path, code) in profile_field_cases() {
        let mut with_name = body.clone();
        with_name["name"] = json!("m2");
        cases.push(a_sends(p, "POST", create, create, &what, with_name, Want::Field(path, code)));
        cases.push(a_sends(
            p,
            "PATCH",
            update,
            &update_path,
            &what,
            body.clone(),
            Want::Field(path, code),
        ));
        cases.push(a_sends(
            p,
            "PATCH",
            "/users/@me",
            "/users/@me",
            &what,
            body,
            Want::Field(path, code),
        ));
    }
    for (what, body, path, code) in user_only_field_cases() {
        cases.push(a_sends(
            p,
            "PATCH",
            "/users/@me",
            "/users/@me",
            &what,
            body,
            Want::Field(path, code),
        ));
    }
    cases
}

/// `GET` and `POST /users/@me/reroll` take no body: one sent is ignored. B rerolls once (the
/// body ignored), then within the hour every reroll is 403 / 2004 and changes nothing.
fn reroll_cases(p: &People) -> Vec<Case> {
    let template = "/users/@me/reroll";
    let mut cases = Vec::new();
    let sends = [
        ("POST", Some("application/json"), b"{".to_vec(), Want::Success),
        ("POST", Some("application/json"), b"{".to_vec(), Want::Code(403, 2004)),
        ("POST", Some("text/plain"), b"reroll".to_vec(), Want::Code(403, 2004)),
        ("POST", None, Vec::new(), Want::Code(403, 2004)),
        ("GET", Some("application/json"), b"{\"sid\": \"aaaaa\"}".to_vec(), Want::Code(403, 2004)),
        ("GET", None, Vec::new(), Want::Code(403, 2004)),
    ];
    for (i, (method, content_type, body, want)) in sends.into_iter().enumerate() {
        cases.push(Case {
            name: format!("{method} {template} #{i}: body {:?}", String::from_utf8_lossy(&body)),
            method,
            template,
            path: if i == 5 { format!("{template}?sid=aaaaaa") } else { template.into() },
            auth: Some(p.b.0.clone()),
            content_type,
            body,
            want,
        });
    }
    cases
}

/// A request whose method starts its name; the operations that read a body get `{}`.
fn get(name: &str, template: &'static str, path: String, auth: &str, want: Want) -> Case {
    let method = ["DELETE", "PUT", "POST", "PATCH"]
        .into_iter()
        .find(|m| name.starts_with(m))
        .unwrap_or("GET");
    let reads_body =
        (template == "/users/@me/relationships/{user_id}" && method == "PUT") || method == "PATCH";
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
    // An id far longer than any name or snowflake, and NUL (PostgreSQL refuses it in text, so
    // it must never reach a query).
    let long_id = "a".repeat(1_000);
    let bad_ids: Vec<&str> = bad_ids.into_iter().chain(["%00", "a%00b", &long_id]).collect();
    let mut cases = Vec::new();
    let (user, guild, channel) =
        (Want::Code(404, 10013), Want::Code(404, 10004), Want::Code(404, 10003));
    let (flag, member) = (Want::Code(404, 10080), Want::Code(404, 19001));
    // Every operation with an id in its path: which parameter gets the bad id (the others get
    // valid ids) and the unknown-thing answer it must give.
    let operations = [
        ("PUT", "/users/@me/relationships/{user_id}", "user_id", user),
        ("DELETE", "/users/@me/relationships/{user_id}", "user_id", user),
        ("GET", "/users/{user_id}/profile", "user_id", user),
        ("GET", "/guilds/{guild_id}", "guild_id", guild),
        // issue 16 D
        ("DELETE", "/guilds/{guild_id}", "guild_id", guild),
        ("GET", "/users/@me/guilds/{guild_id}/member", "guild_id", guild),
        ("DELETE", "/users/@me/guilds/{guild_id}", "guild_id", guild),
        ("PUT", "/guilds/{guild_id}/members/{user_id}", "user_id", user),
        ("DELETE", "/channels/{channel_id}", "channel_id", channel),
        ("PUT", "/channels/{channel_id}/recipients/{user_id}", "channel_id", channel),
        ("PUT", "/channels/{channel_id}/recipients/{user_id}", "user_id", user),
        ("DELETE", "/channels/{channel_id}/recipients/{user_id}", "user_id", user),
        ("POST", "/invites/{code}", "code", Want::Code(404, 10006)),
        ("GET", "/users/{user_id}", "user_id", user),
        ("GET", "/users/{user_id}/members", "user_id", user),
        ("PATCH", "/users/@me/flags/{flag_id}", "flag_id", flag),
        ("DELETE", "/users/@me/flags/{flag_id}", "flag_id", flag),
        ("GET", "/members/{member_id}", "member_id", member),
        ("PATCH", "/members/{member_id}", "member_id", member),
        ("DELETE", "/members/{member_id}", "member_id", member),
    ];
    // A member is named by its id or its short id (6 lowercase letters): near misses of that.
    let member_ids = ["abcde", "abcdefg", "ABCDEF", "abc1ef", "abcdé", "zzzzzz"];
    let member_operations: Vec<_> =
        operations.iter().filter(|(_, t, _, _)| t.starts_with("/members/")).collect();
    let every = bad_ids.iter().flat_map(|id| operations.iter().map(move |op| (*id, op)));
    let members_only =
        member_ids.iter().flat_map(|id| member_operations.iter().map(move |op| (*id, *op)));
    for (id, &(method, template, bad, want)) in every.chain(members_only) {
        let mut path = template.replace(&format!("{{{bad}}}"), id);
        for (param, valid) in [
            ("guild_id", &p.guild),
            ("channel_id", &p.group),
            ("user_id", &p.b.1),
            ("flag_id", &p.flag),
            ("member_id", &p.member.0),
        ] {
            path = path.replace(&format!("{{{param}}}"), valid);
        }
        cases.push(get(&format!("{method} {template}, {bad} {id}"), template, path, a, want));
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
        // A user's members take the same paging parameters (at most 100 a page).
        if field != "with_counts" {
            let query = query.replace("limit=201", "limit=101");
            cases.push(get(
                &format!("GET members?{query}"),
                "/users/{user_id}/members",
                format!("/users/{}/members?{query}", p.a.1),
                a,
                Want::Field(field, code),
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
    // Bounds past every id (digits beyond 2^63, up to 2^64 - 1) match the snowflake pattern:
    // accepted, an empty page.
    for query in ["before=18446744073709551615", "after=9223372036854775808"] {
        cases.push(get(
            &format!("GET members?{query}"),
            "/users/{user_id}/members",
            format!("/users/{}/members?{query}", p.a.1),
            a,
            Want::Success,
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
        Want::Field(path, code) => {
            let errors = path
                .split('.')
                .filter(|key| !key.is_empty())
                .fold(&body["errors"], |errors, key| &errors[key]);
            status == 400 && body["code"] == 50035 && errors["_errors"][0]["code"] == code
        }
        Want::RefusedAt(field) => {
            status == 400
                && body["code"] == 50035
                && body["errors"][field]["_errors"][0].is_object()
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
    app.authorized(&a_token)
        .put(format!("/users/@me/relationships/{}", friend.1))
        .json(json!({}))
        .call()
        .await;
    app.call("PUT", &format!("/users/@me/relationships/{a_id}"), Some(&friend.0), Some(json!({})))
        .await;
    // Group DMs are among friends: A's group is with A's friend.
    let (_, group) = app
        .authorized(&a_token)
        .post("/users/@me/channels")
        .json(json!({"recipients": [friend.1], "type": 3}))
        .call()
        .await;
    let (_, guild) =
        app.call("POST", "/guilds", Some(&a_token), Some(json!({"name": "Victim's"}))).await;
    // A's profile, flag and member: what the profile, flag and member cases must not change.
    let profile = json!({
        "bio": "Victim's bio",
        "links": ["https://victim.example"],
        "names": [{"value": "Vic", "status": PREFERENCE}],
        "custom_preferences": {PREFERENCE: preference(json!({}))},
        "timezone": "Europe/Berlin",
    });
    app.expect("PATCH", "/users/@me", Some(&a_token), Some(profile), 200).await;
    let flag = json!({"flag": png(3), "name": "Victim's flag", "description": "Alt"});
    let flag = app.expect("POST", "/users/@me/flags", Some(&a_token), Some(flag), 200).await;
    let member = json!({"name": "vicmember", "bio": "A member", "names": [{"value": "M", "status": "okay"}]});
    let member = app.expect("POST", "/members", Some(&a_token), Some(member), 200).await;
    let p = People {
        a: (a_token, a_id),
        b,
        friend,
        group: group["id"].as_str().unwrap().to_owned(),
        guild: guild["id"].as_str().unwrap().to_owned(),
        flag: flag["id"].as_str().unwrap().to_owned(),
        member: (member["id"].as_str().unwrap().to_owned(), "vicmember".to_owned()),
    };

    let mut cases = Vec::new();
    // The operations whose every schema violation is sent: all that read a JSON body.
    let mut schema_checked = std::collections::BTreeSet::new();
    for (i, target) in body_targets(&p, "newcomer").into_iter().enumerate() {
        let mut target = target;
        // The refused registrations carry this name; the accepted one (unknown fields, last)
        // would find it taken had any of them created the account.
        if target.template == "/auth/register" {
            target.valid["username"] = json!(format!("newcomer{i}"));
        }
        cases.extend(body_cases(&target));
        cases.extend(schema_violation_cases(&target));
        schema_checked.insert((target.method, target.template));
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
    cases.extend(pride_flag_cases(&p));
    cases.extend(member_and_profile_cases(&p));
    cases.extend(reroll_cases(&p));
    cases.extend(id_and_query_cases(&p));
    // issue 16 C-e
    let mfa_token = two_factor_account(&app).await;
    let codes_verification = BodyTarget {
        method: "POST",
        template: "/users/@me/mfa/codes-verification",
        path: "/users/@me/mfa/codes-verification".into(),
        valid: json!({"password": PASSWORD}),
        field: "password",
        auth: Some(mfa_token.clone()),
    };
    cases.extend(body_cases(&codes_verification));
    cases.extend(schema_violation_cases(&codes_verification));
    schema_checked.insert((codes_verification.method, codes_verification.template));
    for target in schema_only_targets(&p, &mfa_token) {
        cases.extend(schema_violation_cases(&target));
        schema_checked.insert((target.method, target.template));
    }
    let mut json_bodies = std::collections::BTreeSet::new();
    for (path, item) in contract_as_json_schema()["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            if op["requestBody"]["content"].get("application/json").is_some() {
                json_bodies.insert((method.to_ascii_uppercase(), path.clone()));
            }
        }
    }
    let checked: std::collections::BTreeSet<(String, String)> =
        schema_checked.iter().map(|(m, p)| (m.to_string(), p.to_string())).collect();
    assert_eq!(checked, json_bodies, "every JSON body of the contract gets its schema violations");
    cases.extend(two_factor_cases(&p, &mfa_token));

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

// issue 16 C-e
/// A fresh account with TOTP on (enabled at the system clock's time); its one token.
async fn two_factor_account(app: &TestApp) -> String {
    use astral_server::mfa::{code_at, read_secret};
    let (token, _) = app.register("twofactored").await;
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap();
    let code = code_at(&read_secret("JBSWY3DPEHPK3PXP").unwrap(), now.as_secs());
    let body = json!({"password": PASSWORD, "secret": "JBSWY3DPEHPK3PXP", "code": code});
    let path = "/users/@me/mfa/totp/enable";
    let enabled = app.expect("POST", path, Some(&token), Some(body), 200).await;
    enabled["token"].as_str().unwrap().to_owned()
}

/// What a two-factor case is, what it calls, as whom, its content type, its body (`null`:
/// none) and what it wants.
type TwoFactorCase<'a> = (&'a str, &'a str, &'a str, Option<&'static str>, Value, Want);

/// Enabling and disabling two-factor authentication with bad bodies: A (off) and the
/// two-factor account (on) are refused, and nothing changes.
fn two_factor_cases(p: &People, mfa_token: &str) -> Vec<Case> {
    let json_ct = Some("application/json");
    let enable = "/users/@me/mfa/totp/enable";
    let disable = "/users/@me/mfa/totp/disable";
    let secret = "JBSWY3DPEHPK3PXP";
    let password = json!(PASSWORD);
    let a = p.a.0.as_str();
    let cases: Vec<TwoFactorCase> = vec![
        (
            "secret a number",
            enable,
            a,
            json_ct,
            json!({"password": password, "secret": 5, "code": "123456"}),
            Want::Field("secret", "STRING_TYPE_CONVERT"),
        ),
        (
            "code a number",
            enable,
            a,
            json_ct,
            json!({"password": password, "secret": secret, "code": 123456}),
            Want::Field("code", "STRING_TYPE_CONVERT"),
        ),
        (
            "code null",
            enable,
            a,
            json_ct,
            json!({"password": password, "secret": secret, "code": null}),
            Want::Field("code", "BASE_TYPE_REQUIRED"),
        ),
        (
            "secret of 1000 characters",
            enable,
            a,
            json_ct,
            json!({"password": password, "secret": "A".repeat(1000), "code": "123456"}),
            Want::Code(400, 60005),
        ),
        (
            "secret not base32",
            enable,
            a,
            json_ct,
            json!({"password": password, "secret": "0000000000000000", "code": "123456"}),
            Want::Code(400, 60005),
        ),
        (
            "code of letters",
            enable,
            a,
            json_ct,
            json!({"password": password, "secret": secret, "code": "abcdef"}),
            Want::Code(400, 60008),
        ),
        (
            "already on",
            enable,
            mfa_token,
            json_ct,
            json!({"password": password, "secret": secret, "code": "123456"}),
            Want::Code(400, 60001),
        ),
        ("an array", enable, a, json_ct, json!([1]), Want::Field("", "DICT_TYPE_CONVERT")),
        ("not on", disable, a, None, Value::Null, Want::Code(400, 60002)),
        (
            "code a number",
            disable,
            mfa_token,
            json_ct,
            json!({"code": 123456}),
            Want::Field("code", "STRING_TYPE_CONVERT"),
        ),
        ("an array", disable, mfa_token, json_ct, json!([1]), Want::Field("", "DICT_TYPE_CONVERT")),
        ("no factor", disable, mfa_token, None, Value::Null, Want::Code(401, 60003)),
        (
            "a code of 1000 characters",
            disable,
            mfa_token,
            json_ct,
            json!({"code": "9".repeat(1000)}),
            Want::Code(400, 60008),
        ),
        (
            "a code with NUL",
            disable,
            mfa_token,
            json_ct,
            json!({"code": "12\u{0}456"}),
            Want::Field("code", "STRING_TYPE_INVALID_CHARACTERS"),
        ),
    ];
    cases
        .into_iter()
        .map(|(what, path, auth, content_type, body, want)| Case {
            name: format!("POST {path}: {what}"),
            method: "POST",
            template: if path == enable {
                "/users/@me/mfa/totp/enable"
            } else {
                "/users/@me/mfa/totp/disable"
            },
            path: path.to_owned(),
            auth: Some(auth.to_owned()),
            content_type,
            body: if body.is_null() { Vec::new() } else { json_bytes(&body) },
            want,
        })
        .collect()
}
