//! Pride flags: the caller's library at `/users/@me/flags` (create, list, edit, delete), the
//! images at `/flags/{hash}.webp`, the per-user cap, and who may touch whose flags.

use std::io::Cursor;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use image::{ImageFormat, Rgb, RgbImage};
use serde_json::{json, Value};

use crate::support::{assert_matches_contract, backend_test, bot, TestApp};

const MAX_PRIDE_FLAGS: usize = astral_types::pride_flag::MAX_PRIDE_FLAGS as usize;

fn encoded(w: u32, h: u32, shade: u8, format: ImageFormat) -> Vec<u8> {
    let img = RgbImage::from_fn(w, h, |x, _| Rgb([shade, (x % 256) as u8, 90]));
    let mut out = Cursor::new(Vec::new());
    img.write_to(&mut out, format).unwrap();
    out.into_inner()
}

/// A small distinct PNG as a data URI.
fn png(shade: u8) -> String {
    format!("data:image/png;base64,{}", STANDARD.encode(encoded(6, 4, shade, ImageFormat::Png)))
}

async fn fetch(app: &TestApp, path: &str) -> (u16, reqwest::header::HeaderMap, Vec<u8>) {
    let r = app.http.get(format!("{}{path}", app.root)).send().await.unwrap();
    let status = r.status().as_u16();
    let headers = r.headers().clone();
    (status, headers, r.bytes().await.unwrap().to_vec())
}

async fn create(app: &TestApp, auth: &str, body: Value) -> Value {
    app.expect("POST", "/users/@me/flags", Some(auth), Some(body), 200).await
}

backend_test!(flags_round_trip_through_the_generated_client);
async fn flags_round_trip_through_the_generated_client(app: TestApp) {
    use astral_client::types::{CreatePrideFlagRequest, UpdatePrideFlagRequest};

    let (token, _) = app.register("flagbearer").await;
    let auth = bot(&token);
    let client = app.client(Some(&auth));
    assert!(client.list_my_pride_flags().await.unwrap().into_inner().is_empty());

    // A JPEG sent as raw base64 (no data URI), larger than a stored flag.
    let jpeg = STANDARD.encode(encoded(1024, 640, 3, ImageFormat::Jpeg));
    let body = CreatePrideFlagRequest {
        flag: jpeg,
        name: "Transgender 🏳️‍⚧️".parse().unwrap(),
        description: Some("Five stripes".parse().unwrap()),
    };
    let flag = client.create_pride_flag(&body).await.unwrap().into_inner();
    assert_eq!(
        (flag.name.as_str(), flag.description.as_deref()),
        ("Transgender 🏳️‍⚧️", Some("Five stripes"))
    );
    assert!(astral_media::is_hash(&flag.hash) && !flag.hash.starts_with("a_"), "{}", flag.hash);

    // Served normalised: WebP, scaled to fit 512×512, immutable.
    let (status, headers, bytes) = fetch(&app, &format!("/flags/{}.webp", flag.hash)).await;
    assert_eq!((status, headers["content-type"].to_str().unwrap()), (200, "image/webp"));
    assert!(headers["cache-control"].to_str().unwrap().contains("immutable"));
    let img = image::load_from_memory_with_format(&bytes, ImageFormat::WebP).unwrap();
    assert_eq!((img.width(), img.height()), (512, 320));
    let (status, _, bytes) = fetch(&app, &format!("/flags/{}.webp?size=64", flag.hash)).await;
    assert_eq!(status, 200);
    assert_eq!(image::load_from_memory(&bytes).unwrap().width(), 64);

    // Edit: the name alone, then the description cleared.
    let id = flag.id.to_string();
    let patch = UpdatePrideFlagRequest { name: Some("Trans".parse().unwrap()), description: None };
    let edited = client.update_pride_flag(&id, &patch).await.unwrap().into_inner();
    assert_eq!(
        (edited.name.as_str(), edited.description.as_deref()),
        ("Trans", Some("Five stripes"))
    );
    let cleared = app
        .authorized(&auth)
        .patch(format!("/users/@me/flags/{id}"))
        .json(json!({"description": null}))
        .expect(200)
        .await;
    assert_matches_contract("PrideFlag", &cleared);
    assert_eq!((cleared["name"].as_str(), &cleared["description"]), (Some("Trans"), &Value::Null));

    let second =
        create(&app, &auth, json!({"flag": png(9), "name": "Bi", "description": ""})).await;
    assert_eq!(second["description"], Value::Null, "an empty description is none");
    let listed = client.list_my_pride_flags().await.unwrap().into_inner();
    let names: Vec<&str> = listed.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names, ["Trans", "Bi"], "oldest first, edits stored");

    client.delete_pride_flag(&id).await.unwrap();
    let listed = app.expect("GET", "/users/@me/flags", Some(&auth), None, 200).await;
    assert_eq!(listed.as_array().unwrap().len(), 1);
    assert_eq!(listed[0]["id"], second["id"]);
    // Its image is no longer served: no flag has it.
    let (status, _, _) = fetch(&app, &format!("/flags/{}.webp", flag.hash)).await;
    assert_eq!(status, 404);
    app.refusal("DELETE", &format!("/users/@me/flags/{id}"), Some(&auth), None, (404, 10080)).await;
}

backend_test!(names_and_descriptions_are_checked_at_their_limits);
async fn names_and_descriptions_are_checked_at_their_limits(app: TestApp) {
    let (token, _) = app.register("limits").await;
    let auth = bot(&token);
    let at = |n: usize| "ß".repeat(n);
    let ok =
        create(&app, &auth, json!({"flag": png(1), "name": at(100), "description": at(500)})).await;
    assert_eq!(
        (
            ok["name"].as_str().unwrap().chars().count(),
            ok["description"].as_str().unwrap().chars().count()
        ),
        (100, 500)
    );
    let path = format!("/users/@me/flags/{}", ok["id"].as_str().unwrap());

    let bad_creates = [
        (json!({"flag": png(2), "name": at(101)}), "name", "BASE_TYPE_BAD_LENGTH"),
        (json!({"flag": png(2), "name": ""}), "name", "BASE_TYPE_BAD_LENGTH"),
        (
            json!({"flag": png(2), "name": "x", "description": at(501)}),
            "description",
            "BASE_TYPE_BAD_LENGTH",
        ),
        (json!({"name": "x"}), "flag", "BASE_TYPE_REQUIRED"),
        (json!({"flag": png(2)}), "name", "BASE_TYPE_REQUIRED"),
        (json!({"flag": png(2), "name": null}), "name", "BASE_TYPE_REQUIRED"),
        (json!({"flag": 7, "name": "x"}), "flag", "STRING_TYPE_CONVERT"),
    ];
    for (body, field, code) in bad_creates {
        let refused = app
            .authorized(&auth)
            .post("/users/@me/flags")
            .json(body.clone())
            .refusal(400, 50035)
            .await;
        assert_eq!(refused["errors"][field]["_errors"][0]["code"], code, "{body}: {refused}");
    }
    // Both required fields missing: both reported at once.
    let refused =
        app.refusal("POST", "/users/@me/flags", Some(&auth), Some(json!({})), (400, 50035)).await;
    assert_eq!(refused["errors"]["flag"]["_errors"][0]["code"], "BASE_TYPE_REQUIRED");
    assert_eq!(refused["errors"]["name"]["_errors"][0]["code"], "BASE_TYPE_REQUIRED");

    let edited = app
        .authorized(&auth)
        .patch(&path)
        .json(json!({"name": "ü", "description": "ä"}))
        .expect(200)
        .await;
    assert_eq!((edited["name"].as_str(), edited["description"].as_str()), (Some("ü"), Some("ä")));
    let bad_edits = [
        (json!({"name": at(101)}), "name"),
        (json!({"name": ""}), "name"),
        (json!({"name": null}), "name"),
        (json!({"description": ""}), "description"),
        (json!({"description": at(501)}), "description"),
        (json!({"name": "fine", "description": ""}), "description"),
    ];
    for (body, field) in bad_edits {
        let refused =
            app.refusal("PATCH", &path, Some(&auth), Some(body.clone()), (400, 50035)).await;
        assert!(refused["errors"][field]["_errors"].is_array(), "{body}: {refused}");
    }
    // Nothing was written by a refused edit.
    let listed = app.expect("GET", "/users/@me/flags", Some(&auth), None, 200).await;
    assert_eq!(listed.as_array().unwrap().len(), 1);
    assert_eq!(
        (listed[0]["name"].as_str(), listed[0]["description"].as_str()),
        (Some("ü"), Some("ä"))
    );
}

backend_test!(only_png_jpeg_and_webp_images_are_flags);
async fn only_png_jpeg_and_webp_images_are_flags(app: TestApp) {
    let (token, _) = app.register("imagery").await;
    let auth = bot(&token);
    let gif =
        format!("data:image/gif;base64,{}", STANDARD.encode(encoded(8, 8, 1, ImageFormat::Gif)));
    let refused = app
        .authorized(&auth)
        .post("/users/@me/flags")
        .json(json!({"flag": gif, "name": "Animated", "description": "alt text"}))
        .refusal(400, 50035)
        .await;
    let error = &refused["errors"]["flag"]["_errors"][0];
    assert_eq!(error["code"], "IMAGE_INVALID");
    assert_eq!(error["message"], "The image must be a PNG, JPEG or WebP (this one is a GIF).");

    let garbage = [
        json!("data:image/png;base64,"),
        json!("data:image/png;base64,@@@@"),
        json!(STANDARD.encode(b"definitely not an image")),
        json!(format!(
            "data:image/png;base64,{}",
            STANDARD.encode(&encoded(8, 8, 1, ImageFormat::Png)[..40])
        )),
    ];
    for flag in garbage {
        let body = json!({"flag": flag, "name": "Broken"});
        let refused =
            app.refusal("POST", "/users/@me/flags", Some(&auth), Some(body), (400, 50035)).await;
        assert_eq!(refused["errors"]["flag"]["_errors"][0]["code"], "IMAGE_INVALID", "{refused}");
    }
    // A bad image and a bad name are reported together.
    let refused = app
        .authorized(&auth)
        .post("/users/@me/flags")
        .json(json!({"flag": "@@", "name": ""}))
        .refusal(400, 50035)
        .await;
    assert!(
        refused["errors"]["flag"].is_object() && refused["errors"]["name"].is_object(),
        "{refused}"
    );

    // WebP is accepted, and the same picture as PNG is the same stored image.
    let webp = STANDARD.encode(encoded(10, 6, 4, ImageFormat::WebP));
    let png = STANDARD.encode(encoded(10, 6, 4, ImageFormat::Png));
    let a = create(&app, &auth, json!({"flag": webp, "name": "A"})).await;
    let b = create(&app, &auth, json!({"flag": png, "name": "B"})).await;
    assert_eq!(a["hash"], b["hash"]);
    assert_ne!(a["id"], b["id"]);
    let listed = app.expect("GET", "/users/@me/flags", Some(&auth), None, 200).await;
    assert_eq!(listed.as_array().unwrap().len(), 2, "no refused image left a flag behind");
}

backend_test!(another_users_flags_are_unknown);
async fn another_users_flags_are_unknown(app: TestApp) {
    let [(owner, _), (other, _)] = app.register_all(["owner", "other"]).await;
    let (owner, other) = (bot(&owner), bot(&other));
    let flag = create(&app, &owner, json!({"flag": png(5), "name": "Mine"})).await;
    let path = format!("/users/@me/flags/{}", flag["id"].as_str().unwrap());

    app.refusal("PATCH", &path, Some(&other), Some(json!({"name": "Stolen"})), (404, 10080)).await;
    app.refusal("DELETE", &path, Some(&other), None, (404, 10080)).await;
    let listed = app.expect("GET", "/users/@me/flags", Some(&other), None, 200).await;
    assert_eq!(listed, json!([]));
    // Unknown and non-snowflake ids alike.
    for id in ["1", "123456789012345678", "not-a-flag", "-1"] {
        let path = format!("/users/@me/flags/{id}");
        app.refusal("PATCH", &path, Some(&owner), Some(json!({"name": "x"})), (404, 10080)).await;
        app.refusal("DELETE", &path, Some(&owner), None, (404, 10080)).await;
    }
    // The owner's flag is untouched.
    let listed = app.expect("GET", "/users/@me/flags", Some(&owner), None, 200).await;
    assert_eq!(listed, json!([flag]));
}

backend_test!(bots_cannot_use_the_flag_routes);
async fn bots_cannot_use_the_flag_routes(app: TestApp) {
    let (token, _) = app.create_bot("flagbot");
    let auth = bot(&token);
    let body = json!({"flag": png(1), "name": "Bot flag"});
    app.refusal("GET", "/users/@me/flags", Some(&auth), None, (403, 20001)).await;
    app.refusal("POST", "/users/@me/flags", Some(&auth), Some(body), (403, 20001)).await;
    app.authorized(&auth)
        .patch("/users/@me/flags/1")
        .json(json!({"name": "x"}))
        .refusal(403, 20001)
        .await;
    app.refusal("DELETE", "/users/@me/flags/1", Some(&auth), None, (403, 20001)).await;
}

backend_test!(the_cdn_serves_flag_images_only);
async fn the_cdn_serves_flag_images_only(app: TestApp) {
    let (token, _) = app.register("cdnuser").await;
    let auth = bot(&token);
    // An avatar's hash is not a flag's.
    let me = edit_me(&app, &auth, json!({"avatar": png(8)})).await;
    let avatar = me["avatar"].as_str().unwrap();
    let flag = create(&app, &auth, json!({"flag": png(8), "name": "Served"})).await;
    let hash = flag["hash"].as_str().unwrap();
    for path in [
        format!("/flags/{avatar}.webp"),
        "/flags/0123456789abcdef0123456789abcdef.webp".into(),
        format!("/flags/{hash}.png"),
        format!("/flags/{hash}"),
        "/flags/..%2F..%2Fetc.webp".into(),
    ] {
        let (status, _, body) = fetch(&app, &path).await;
        let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
        assert_eq!((status, &body["code"]), (404, &json!(0)), "{path}: {body}");
    }
    let (status, headers, _) = fetch(&app, &format!("/flags/{hash}.webp")).await;
    assert_eq!(status, 200);
    let etag = headers["etag"].to_str().unwrap().to_owned();
    let r = app
        .http
        .get(format!("{}/flags/{hash}.webp", app.root))
        .header("If-None-Match", etag)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 304);
    let (status, _, _) = fetch(&app, &format!("/flags/{hash}.webp?size=17")).await;
    assert_eq!(status, 400);
}

backend_test!(nobody_has_more_than_the_cap);
async fn nobody_has_more_than_the_cap(app: TestApp) {
    let (token, _) = app.register("collector").await;
    let auth = bot(&token);
    // One image for all of them: the cap counts flags, not images.
    let flag = png(3);
    for i in 0..MAX_PRIDE_FLAGS {
        create(&app, &auth, json!({"flag": flag, "name": format!("Flag {i}")})).await;
    }
    let refused = app
        .authorized(&auth)
        .post("/users/@me/flags")
        .json(json!({"flag": flag, "name": "One more"}))
        .refusal(400, 30080)
        .await;
    assert_eq!(
        refused["message"],
        format!("Maximum number of pride flags reached ({MAX_PRIDE_FLAGS})")
    );
    let listed = app.expect("GET", "/users/@me/flags", Some(&auth), None, 200).await;
    let listed = listed.as_array().unwrap();
    assert_eq!(listed.len(), MAX_PRIDE_FLAGS);
    // Deleting one makes room for one.
    let path = format!("/users/@me/flags/{}", listed[0]["id"].as_str().unwrap());
    app.expect("DELETE", &path, Some(&auth), None, 204).await;
    create(&app, &auth, json!({"flag": flag, "name": "Room again"})).await;
    app.authorized(&auth)
        .post("/users/@me/flags")
        .json(json!({"flag": flag, "name": "Over"}))
        .refusal(400, 30080)
        .await;
}

/// The ids of a profile answer's `pride_flags`, in order.
fn shown(user: &Value) -> Vec<String> {
    let flags = user["pride_flags"].as_array().unwrap_or_else(|| panic!("{user}"));
    flags.iter().map(|f| f["id"].as_str().unwrap().to_owned()).collect()
}

/// The one field error of a 50035, as `(dotted path, code)`.
fn only_error(answer: &Value) -> (String, String) {
    fn walk(node: &Value, path: &str, out: &mut Vec<(String, String)>) {
        if let Value::Object(map) = node {
            for (key, value) in map {
                if key == "_errors" {
                    out.push((path.to_owned(), value[0]["code"].as_str().unwrap().to_owned()));
                } else {
                    let next = if path.is_empty() { key.clone() } else { format!("{path}.{key}") };
                    walk(value, &next, out);
                }
            }
        }
    }
    let mut out = Vec::new();
    walk(&answer["errors"], "", &mut out);
    assert_eq!(out.len(), 1, "{answer}");
    out.remove(0)
}

async fn me(app: &TestApp, auth: &str) -> Value {
    app.expect("GET", "/users/@me", Some(auth), None, 200).await
}

/// A PATCH of the user that must succeed; answers the user as written.
async fn edit_me(app: &TestApp, auth: &str, body: Value) -> Value {
    app.expect("PATCH", "/users/@me", Some(auth), Some(body), 200).await
}

/// A PATCH refused with one field error `code` at `path`, changing nothing.
async fn refused(app: &TestApp, auth: &str, body: Value, path: &str, code: &str) {
    let before = me(app, auth).await;
    let answer =
        app.refusal("PATCH", "/users/@me", Some(auth), Some(body.clone()), (400, 50035)).await;
    assert_eq!(only_error(&answer), (path.to_owned(), code.to_owned()), "{body}");
    assert_eq!(me(app, auth).await, before, "{body} changed the user");
}

backend_test!(the_profile_shows_the_selected_flags_in_order);
async fn the_profile_shows_the_selected_flags_in_order(app: TestApp) {
    let (token, my_id) = app.register("selective").await;
    let auth = bot(&token);
    let (their_token, _) = app.register("neighbour").await;
    let flags: Vec<Value> = {
        let mut made = Vec::new();
        for (shade, name) in [(1, "A"), (2, "B"), (3, "C")] {
            made.push(create(&app, &auth, json!({"flag": png(shade), "name": name})).await);
        }
        made
    };
    let ids: Vec<String> = flags.iter().map(|f| f["id"].as_str().unwrap().to_owned()).collect();
    let theirs = create(&app, &bot(&their_token), json!({"flag": png(9), "name": "Theirs"})).await;
    assert_eq!(shown(&me(&app, &auth).await), Vec::<String>::new());

    // The order sent, not the order made; each shown as the library shows it.
    let order = json!([ids[2], ids[0], ids[1]]);
    let answer = edit_me(&app, &auth, json!({"pride_flags": order})).await;
    assert_eq!(shown(&answer), [ids[2].as_str(), ids[0].as_str(), ids[1].as_str()]);
    assert_eq!(answer["pride_flags"][1], flags[0]);
    assert_matches_contract("PrivateUserWithProfile", &answer);
    assert_eq!(shown(&me(&app, &auth).await), [ids[2].as_str(), ids[0].as_str(), ids[1].as_str()]);
    // Others (and anonymous callers) see the same flags on the profile.
    for viewer in [Some(bot(&their_token)), None] {
        let user =
            app.expect("GET", &format!("/users/{my_id}"), viewer.as_deref(), None, 200).await;
        assert_eq!(shown(&user), [ids[2].as_str(), ids[0].as_str(), ids[1].as_str()]);
    }
    let profile = format!("/users/{my_id}/profile");
    let profile = app.expect("GET", &profile, Some(&bot(&their_token)), None, 200).await;
    assert_eq!(shown(&profile["user"]), [ids[2].as_str(), ids[0].as_str(), ids[1].as_str()]);

    // pronouns.cc's `flags` as an array is the same field; the same value twice is fine.
    let answer = edit_me(&app, &auth, json!({"flags": [ids[1]]})).await;
    assert_eq!(shown(&answer), [ids[1].as_str()]);
    let both = json!({"flags": [ids[0]], "pride_flags": [ids[0]]});
    let answer = edit_me(&app, &auth, both).await;
    assert_eq!(shown(&answer), [ids[0].as_str()]);
    let conflict = json!({"flags": [ids[1]], "pride_flags": [ids[0]]});
    refused(&app, &auth, conflict, "flags", "FIELD_ALIAS_CONFLICT").await;

    // Another user's flag, an unknown id: refused at its index under the name sent, and the
    // other fields of the same PATCH are not written either.
    let foreign = json!({"bio": "Changed", "pride_flags": [ids[1], theirs["id"]]});
    refused(&app, &auth, foreign, "pride_flags.1", "BASE_TYPE_CHOICES").await;
    let unknown = json!({"global_name": "Changed", "flags": ["42"]});
    refused(&app, &auth, unknown, "flags.0", "BASE_TYPE_CHOICES").await;
    let repeated = json!({"bio": "Changed", "pride_flags": [ids[0], ids[1], ids[0]]});
    refused(&app, &auth, repeated, "pride_flags.2", "BASE_TYPE_DUPLICATE").await;
    // Shapes are the reader's.
    refused(
        &app,
        &auth,
        json!({"pride_flags": [ids[0], 7]}),
        "pride_flags.1",
        "STRING_TYPE_CONVERT",
    )
    .await;
    refused(&app, &auth, json!({"pride_flags": ["01"]}), "pride_flags.0", "NUMBER_TYPE_COERCE")
        .await;
    refused(&app, &auth, json!({"pride_flags": ids[0]}), "pride_flags", "LIST_TYPE_CONVERT").await;
    refused(&app, &auth, json!({"pride_flags": null}), "pride_flags", "BASE_TYPE_REQUIRED").await;
    let max = astral_types::pride_flag::MAX_PROFILE_PRIDE_FLAGS;
    let too_many = json!({"pride_flags": vec![ids[0].clone(); max + 1]});
    refused(&app, &auth, too_many, "pride_flags", "BASE_TYPE_MAX_LENGTH").await;
    // At the cap the shape passes and the store judges the repeats.
    let at_cap = json!({"pride_flags": vec![ids[0].clone(); max]});
    let answer = app.refusal("PATCH", "/users/@me", Some(&auth), Some(at_cap), (400, 50035)).await;
    let errors = answer["errors"]["pride_flags"].as_object().unwrap();
    assert_eq!(errors.len(), max - 1, "every repeat, not the first: {answer}");
    assert_eq!(errors[&(max - 1).to_string()]["_errors"][0]["code"], "BASE_TYPE_DUPLICATE");
    // Statuses and flags are judged together: both errors in one answer.
    let both = json!({"names": [{"value": "n", "status": "0b7e3c1a-9d8f-4a6b-b5c4-d3e2f1a0b9c8"}], "pride_flags": ["42"]});
    let answer = app.refusal("PATCH", "/users/@me", Some(&auth), Some(both), (400, 50035)).await;
    assert_eq!(answer["errors"]["names"]["0"]["status"]["_errors"][0]["code"], "BASE_TYPE_CHOICES");
    assert_eq!(answer["errors"]["pride_flags"]["0"]["_errors"][0]["code"], "BASE_TYPE_CHOICES");
    assert_eq!(shown(&me(&app, &auth).await), [ids[0].as_str()]);

    // Deleting a shown flag takes it off the profile; the rest keep their order.
    let all = json!({"pride_flags": [ids[2], ids[0], ids[1]]});
    edit_me(&app, &auth, all).await;
    let path = format!("/users/@me/flags/{}", ids[0]);
    app.expect("DELETE", &path, Some(&auth), None, 204).await;
    assert_eq!(shown(&me(&app, &auth).await), [ids[2].as_str(), ids[1].as_str()]);
    // `[]` shows none.
    let answer = edit_me(&app, &auth, json!({"pride_flags": []})).await;
    assert_eq!(shown(&answer), Vec::<String>::new());
}

backend_test!(flags_and_members_are_read_through_the_generated_client);
async fn flags_and_members_are_read_through_the_generated_client(app: TestApp) {
    use astral_client::types::UpdateMyUserRequest;

    let (token, my_id) = app.register("clientele").await;
    let auth = bot(&token);
    let client = app.client(Some(&auth));
    let flag = create(&app, &auth, json!({"flag": png(4), "name": "Bisexual"})).await;
    let member =
        app.expect("POST", "/members", Some(&auth), Some(json!({"name": "Alt"})), 200).await;
    let body: UpdateMyUserRequest =
        serde_json::from_value(json!({"pride_flags": [flag["id"]]})).unwrap();
    let updated = client.update_my_user(None, &body).await.unwrap().into_inner();
    assert_eq!(updated.pride_flags.len(), 1);
    assert_eq!(updated.pride_flags[0].name, "Bisexual");
    assert_eq!(updated.pride_flags[0].id.to_string(), flag["id"].as_str().unwrap());
    assert_eq!(updated.members.len(), 1);
    assert_eq!(updated.members[0].sid, member["sid"].as_str().unwrap());
    let mine = client.get_my_user().await.unwrap().into_inner();
    assert_eq!((mine.pride_flags.len(), mine.members.len()), (1, 1));
    let anonymous = app.client(None);
    let user = anonymous.get_user(&my_id).await.unwrap().into_inner();
    assert_eq!(user.pride_flags[0].hash, flag["hash"].as_str().unwrap());
    assert_eq!(user.members[0].name, "Alt");
}
