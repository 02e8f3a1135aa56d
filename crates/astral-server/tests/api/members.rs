//! pronouns.cc's members (`/members`, `/users/{user_id}/members`, `/member-avatars`): CRUD,
//! lookup by id and short id, limits at their boundaries, names unique per owner, the cap,
//! who sees hidden members, paging, and member avatars.

use std::fmt::Display;
use std::io::Cursor;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use image::ImageFormat;
use serde_json::{json, Value};

use crate::support::{backend_test, bot, header_text, TestApp};

const UNKNOWN_MEMBER: (u16, i64) = (404, 19001);
const INVALID_FORM: (u16, i64) = (400, 50035);

fn image_uri(format: ImageFormat, mime: &str, shade: u8) -> String {
    // RGB: every format here encodes it (JPEG has no alpha).
    let img = image::RgbImage::from_pixel(8, 8, image::Rgb([shade, 1, 2]));
    let mut out = Cursor::new(Vec::new());
    img.write_to(&mut out, format).unwrap();
    format!("data:{mime};base64,{}", STANDARD.encode(out.into_inner()))
}

fn png(shade: u8) -> String {
    image_uri(ImageFormat::Png, "image/png", shade)
}

/// The one field error at `path` (`["fields", "0", "entries", "3", "value"]`).
fn error_at(body: &Value, path: &[&str]) -> String {
    let mut node = &body["errors"];
    for segment in path {
        node = &node[*segment];
    }
    node["_errors"][0]["code"]
        .as_str()
        .unwrap_or_else(|| panic!("no error at {path:?}: {body}"))
        .to_owned()
}

async fn create(app: &TestApp, token: &str, body: Value) -> Value {
    app.expect("POST", "/members", Some(token), Some(body), 200).await
}

fn id(member: &Value) -> String {
    member["id"].as_str().unwrap().to_owned()
}

backend_test!(members_round_trip_through_the_client);
async fn members_round_trip_through_the_client(app: TestApp) {
    let (owner, owner_id) = app.register("ada").await;
    let client = app.client(Some(&bot(&owner)));
    let body: astral_client::types::CreateProfileMemberRequest = serde_json::from_value(json!({
        "name": "Grace",
        "display_name": "Grace ✨",
        "bio": "A member of Ada's.",
        "links": ["https://example.org/grace"],
        "names": [{"value": "Grace", "status": "favourite"}],
        "pronouns": [{"pronouns": "she/her/her/hers/herself", "display_text": "she/her", "status": "okay"}],
        "fields": [{"name": "Honorifics", "entries": [{"value": "Ms.", "status": "jokingly"}]}],
    }))
    .unwrap();
    let created = client.create_member(&body).await.unwrap().into_inner();
    let member = serde_json::to_value(&created).unwrap();
    assert_eq!(member["owner_id"], json!(owner_id));
    assert_eq!(member["name"], "Grace");
    assert_eq!(member["display_name"], "Grace ✨");
    assert_eq!(member["links"], json!(["https://example.org/grace"]));
    // pronouns.cc's `pronouns` (an array) is answered as `pronoun_entries`.
    assert_eq!(
        member["pronoun_entries"],
        json!([{"pronouns": "she/her/her/hers/herself", "display_text": "she/her", "status": "okay"}])
    );
    assert_eq!(member["fields"][0]["entries"][0]["status"], "jokingly");
    assert_eq!((member["hidden"].clone(), member["avatar"].clone()), (json!(false), Value::Null));
    let sid = member["sid"].as_str().unwrap().to_owned();
    assert!(sid.len() == 6 && sid.bytes().all(|b| b.is_ascii_lowercase()), "{sid}");

    // Looked up by id and by short id, with a token and without.
    let by_id = client.get_member(&id(&member)).await.unwrap().into_inner();
    assert_eq!(serde_json::to_value(by_id).unwrap(), member);
    let anonymous = app.client(None);
    let by_sid = anonymous.get_member(&sid).await.unwrap().into_inner();
    assert_eq!(serde_json::to_value(by_sid).unwrap(), member);

    let change: astral_client::types::ProfileMemberRequest =
        serde_json::from_value(json!({"bio": "Changed.", "hidden": true})).unwrap();
    let changed = client.update_member(&sid, &change).await.unwrap().into_inner();
    let changed = serde_json::to_value(changed).unwrap();
    assert_eq!(
        (changed["bio"].clone(), changed["hidden"].clone()),
        (json!("Changed."), json!(true))
    );
    assert_eq!(changed["name"], "Grace", "absent fields are unchanged");
    // `null` clears a nullable field.
    let cleared = app
        .authorized(&owner)
        .patch(format!("/members/{}", id(&member)))
        .json(json!({"display_name": null, "bio": null}))
        .expect(200)
        .await;
    assert_eq!(
        (cleared["display_name"].clone(), cleared["bio"].clone()),
        (Value::Null, Value::Null)
    );

    let listed = client.list_user_members(&owner_id, None, None, None).await.unwrap().into_inner();
    assert_eq!(listed.len(), 1);
    assert_eq!(serde_json::to_value(&listed[0]).unwrap(), cleared);

    let deleted = client.delete_member(&sid).await.unwrap();
    assert_eq!(deleted.status().as_u16(), 204);
    app.refusal("GET", &format!("/members/{}", id(&member)), Some(&owner), None, UNKNOWN_MEMBER)
        .await;
    app.refusal("DELETE", &format!("/members/{sid}"), Some(&owner), None, UNKNOWN_MEMBER).await;
    assert!(client
        .list_user_members(&owner_id, None, None, None)
        .await
        .unwrap()
        .into_inner()
        .is_empty());
}

backend_test!(member_fields_are_checked_at_their_limits);
async fn member_fields_are_checked_at_their_limits(app: TestApp) {
    let (owner, _) = app.register("limits").await;
    let t = Some(owner.as_str());
    let entry = json!({"value": "v", "status": "okay"});
    let at_limits = json!({
        "name": "n".repeat(100),
        "display_name": "é".repeat(100),
        "bio": "🌈".repeat(1000),
        "links": vec!["l".repeat(256); 25],
        "names": vec![json!({"value": "x".repeat(100), "status": "favourite"}); 50],
        "pronoun_entries": vec![json!({"pronouns": "p".repeat(100), "display_text": "d".repeat(100), "status": "avoid"}); 50],
        "fields": vec![json!({"name": "f".repeat(100), "entries": vec![entry.clone(); 100]}); 25],
    });
    let member = create(&app, &owner, at_limits).await;
    assert_eq!(member["bio"].as_str().unwrap().chars().count(), 1000);
    assert_eq!(member["fields"].as_array().unwrap().len(), 25);
    let path = format!("/members/{}", id(&member));

    // One past each limit, each alone: the exact path and code.
    let cases: Vec<(Value, Vec<&str>, &str)> = vec![
        (json!({"name": "n".repeat(101)}), vec!["name"], "BASE_TYPE_BAD_LENGTH"),
        (json!({"name": ""}), vec!["name"], "BASE_TYPE_BAD_LENGTH"),
        (json!({"name": "a/b"}), vec!["name"], "MEMBER_NAME_INVALID_CHARACTERS"),
        (json!({"name": ".."}), vec!["name"], "MEMBER_NAME_INVALID_CHARACTERS"),
        (json!({"name": "tab\there"}), vec!["name"], "MEMBER_NAME_INVALID_CHARACTERS"),
        (json!({"name": null}), vec!["name"], "BASE_TYPE_REQUIRED"),
        (json!({"display_name": "é".repeat(101)}), vec!["display_name"], "BASE_TYPE_BAD_LENGTH"),
        (json!({"display_name": ""}), vec!["display_name"], "BASE_TYPE_BAD_LENGTH"),
        (json!({"bio": "🌈".repeat(1001)}), vec!["bio"], "BASE_TYPE_BAD_LENGTH"),
        (json!({"bio": ""}), vec!["bio"], "BASE_TYPE_BAD_LENGTH"),
        (json!({"links": vec!["l"; 26]}), vec!["links"], "BASE_TYPE_MAX_LENGTH"),
        (
            json!({"links": ["a", "b", "c", "l".repeat(257)]}),
            vec!["links", "3"],
            "BASE_TYPE_BAD_LENGTH",
        ),
        (json!({"links": [""]}), vec!["links", "0"], "BASE_TYPE_BAD_LENGTH"),
        (json!({"names": vec![entry.clone(); 51]}), vec!["names"], "BASE_TYPE_MAX_LENGTH"),
        (
            json!({"names": [{"value": "x", "status": "maybe"}]}),
            vec!["names", "0", "status"],
            "BASE_TYPE_CHOICES",
        ),
        (
            json!({"pronouns": [{"pronouns": "", "status": "okay"}]}),
            vec!["pronouns", "0", "pronouns"],
            "BASE_TYPE_BAD_LENGTH",
        ),
        (
            json!({"pronoun_entries": vec![json!({"pronouns": "p", "status": "okay"}); 51]}),
            vec!["pronoun_entries"],
            "BASE_TYPE_MAX_LENGTH",
        ),
        (
            json!({"fields": [{"name": "f", "entries": [entry, entry, entry, {"value": "", "status": "okay"}]}]}),
            vec!["fields", "0", "entries", "3", "value"],
            "BASE_TYPE_BAD_LENGTH",
        ),
        (
            json!({"fields": [{"name": "f", "entries": vec![json!({"value": "v", "status": "okay"}); 101]}]}),
            vec!["fields", "0", "entries"],
            "BASE_TYPE_MAX_LENGTH",
        ),
        (
            json!({"fields": vec![json!({"name": "f", "entries": []}); 26]}),
            vec!["fields"],
            "BASE_TYPE_MAX_LENGTH",
        ),
        (json!({"hidden": "yes"}), vec!["hidden"], "BOOLEAN_TYPE_CONVERT"),
        (json!({"avatar": "not an image"}), vec!["avatar"], "IMAGE_INVALID"),
    ];
    for (body, at, code) in cases {
        let answer = app.refusal("PATCH", &path, t, Some(body.clone()), INVALID_FORM).await;
        assert_eq!(error_at(&answer, &at), code, "{body}: {answer}");
    }
    // Nothing is written when any field is bad, the good ones included.
    let bad = json!({"bio": "fine", "display_name": "fine", "links": ["ok", ""]});
    let answer = app.refusal("PATCH", &path, t, Some(bad), INVALID_FORM).await;
    assert_eq!(error_at(&answer, &["links", "1"]), "BASE_TYPE_BAD_LENGTH");
    assert_eq!(app.expect("GET", &path, t, None, 200).await, member);
    // A create without a name, and one with every field wrong, create nothing.
    let answer =
        app.refusal("POST", "/members", t, Some(json!({"bio": "no name"})), INVALID_FORM).await;
    assert_eq!(error_at(&answer, &["name"]), "BASE_TYPE_REQUIRED");
    let list = app
        .expect(
            "GET",
            &format!("/users/{}/members", member["owner_id"].as_str().unwrap()),
            t,
            None,
            200,
        )
        .await;
    assert_eq!(list.as_array().unwrap().len(), 1);
    // Unicode names, counted in characters.
    let unicode = create(&app, &owner, json!({"name": "🦊".repeat(100)})).await;
    assert_eq!(unicode["name"].as_str().unwrap().chars().count(), 100);
    create(&app, &owner, json!({"name": "Zoë . dot"})).await;
}

backend_test!(member_names_are_unique_per_owner_ignoring_case);
async fn member_names_are_unique_per_owner_ignoring_case(app: TestApp) {
    let [(a, _), (b, _)] = app.register_all(["owner-a", "owner-b"]).await;
    let ada = create(&app, &a, json!({"name": "Ada"})).await;
    let answer =
        app.refusal("POST", "/members", Some(&a), Some(json!({"name": "ADA"})), INVALID_FORM).await;
    assert_eq!(error_at(&answer, &["name"]), "MEMBER_NAME_ALREADY_TAKEN");
    // Another owner may use it.
    create(&app, &b, json!({"name": "ada"})).await;
    // A rename onto another member's name is refused; a member may change its own name's case.
    let other = create(&app, &a, json!({"name": "Bea"})).await;
    let answer = app
        .refusal(
            "PATCH",
            &format!("/members/{}", id(&other)),
            Some(&a),
            Some(json!({"name": "aDa"})),
            INVALID_FORM,
        )
        .await;
    assert_eq!(error_at(&answer, &["name"]), "MEMBER_NAME_ALREADY_TAKEN");
    let renamed = app
        .authorized(&a)
        .patch(format!("/members/{}", id(&ada)))
        .json(json!({"name": "ADA"}))
        .expect(200)
        .await;
    assert_eq!(renamed["name"], "ADA");

    // Concurrent creates of one name: exactly one wins (the unique index decides).
    let results = futures_util::future::join_all((0..16).map(|i| {
        let name = if i % 2 == 0 { "Racer" } else { "RACER" };
        app.call("POST", "/members", Some(&a), Some(json!({"name": name})))
    }))
    .await;
    let won = results.iter().filter(|(status, _)| *status == 200).count();
    assert_eq!(won, 1, "{results:?}");
    for (status, body) in results.iter().filter(|(status, _)| *status != 200) {
        assert_eq!(
            (*status, error_at(body, &["name"])),
            (400, "MEMBER_NAME_ALREADY_TAKEN".to_owned())
        );
    }
}

backend_test!(a_user_has_at_most_the_cap_of_members);
async fn a_user_has_at_most_the_cap_of_members(app: TestApp) {
    use astral_server::handlers::members::MAX_MEMBERS;
    let (owner, owner_id) = app.register("collector").await;
    // Up to two short of the cap through the store (500 requests would only be slow).
    let store = app.store();
    for i in 0..MAX_MEMBERS - 2 {
        add_member(&store, &owner_id, i, i % 2 == 0);
    }
    // Eight at once for the last two places: exactly two win.
    let results = futures_util::future::join_all((0..8).map(|i| {
        app.call("POST", "/members", Some(&owner), Some(json!({"name": format!("last {i}")})))
    }))
    .await;
    let won = results.iter().filter(|(status, _)| *status == 200).count();
    assert_eq!(won, 2, "{results:?}");
    for (status, body) in results.iter().filter(|(status, _)| *status != 200) {
        assert_eq!((*status, body["code"].as_i64()), (400, Some(39001)), "{body}");
        assert_eq!(body["message"], format!("Maximum number of members reached ({MAX_MEMBERS})"));
    }
    app.refusal("POST", "/members", Some(&owner), Some(json!({"name": "one more"})), (400, 39001))
        .await;
    // Another user is not affected; deleting one makes room.
    let (other, _) = app.register("other").await;
    create(&app, &other, json!({"name": "mine"})).await;
    let page =
        app.authorized(&owner).get(format!("/users/{owner_id}/members?limit=1")).expect(200).await;
    app.expect("DELETE", &format!("/members/{}", id(&page[0])), Some(&owner), None, 204).await;
    create(&app, &owner, json!({"name": "one more"})).await;
}

backend_test!(hidden_members_are_the_owners_alone);
async fn hidden_members_are_the_owners_alone(app: TestApp) {
    let [(owner, owner_id), (other, _)] = app.register_all(["shy", "curious"]).await;
    let shown = create(&app, &owner, json!({"name": "Shown"})).await;
    let hidden = create(&app, &owner, json!({"name": "Hidden", "hidden": true})).await;
    let list = format!("/users/{owner_id}/members");
    for key in [id(&hidden), hidden["sid"].as_str().unwrap().to_owned()] {
        let path = format!("/members/{key}");
        assert_eq!(app.expect("GET", &path, Some(&owner), None, 200).await, hidden);
        app.refusal("GET", &path, Some(&other), None, UNKNOWN_MEMBER).await;
        app.refusal("GET", &path, None, None, UNKNOWN_MEMBER).await;
    }
    assert_eq!(app.expect("GET", &list, Some(&owner), None, 200).await, json!([shown, hidden]));
    assert_eq!(app.expect("GET", &list, Some(&other), None, 200).await, json!([shown]));
    assert_eq!(app.expect("GET", &list, None, None, 200).await, json!([shown]));
    // Unhidden, everyone sees it.
    let path = format!("/members/{}", id(&hidden));
    let unhidden =
        app.expect("PATCH", &path, Some(&owner), Some(json!({"hidden": false})), 200).await;
    assert_eq!(app.expect("GET", &path, None, None, 200).await, unhidden);
    // A token that does not authenticate is refused, not taken for anonymous.
    app.refusal("GET", &path, Some("not.a.token"), None, (401, 0)).await;
    app.refusal("GET", &list, Some("not.a.token"), None, (401, 0)).await;
}

backend_test!(a_private_list_is_the_owners_alone);
async fn a_private_list_is_the_owners_alone(app: TestApp) {
    let [(owner, owner_id), (other, _)] = app.register_all(["private", "onlooker"]).await;
    let shown = create(&app, &owner, json!({"name": "Shown"})).await;
    let list = format!("/users/{owner_id}/members");
    let path = format!("/members/{}", shown["sid"].as_str().unwrap());
    app.expect("PATCH", "/users/@me", Some(&owner), Some(json!({"list_private": true})), 200).await;
    // Others and anonymous callers get an empty list and 404 for each member.
    for token in [Some(other.as_str()), None] {
        assert_eq!(app.expect("GET", &list, token, None, 200).await, json!([]));
        app.refusal("GET", &path, token, None, UNKNOWN_MEMBER).await;
    }
    assert_eq!(app.expect("GET", &list, Some(&owner), None, 200).await, json!([shown]));
    assert_eq!(app.expect("GET", &path, Some(&owner), None, 200).await, shown);
    app.expect("PATCH", "/users/@me", Some(&owner), Some(json!({"list_private": false})), 200)
        .await;
    assert_eq!(app.expect("GET", &list, None, None, 200).await, json!([shown]));
}

backend_test!(member_statuses_may_name_the_owners_custom_preferences);
async fn member_statuses_may_name_the_owners_custom_preferences(app: TestApp) {
    let [(owner, _), (other, _)] = app.register_all(["preferring", "plain"]).await;
    let id = "3f2b8e4a-1c2d-4e5f-8a9b-0c1d2e3f4a5b";
    let preference = json!({"icon": "heart", "tooltip": "Adored", "size": "normal", "muted": false, "favourite": true});
    let me = json!({"custom_preferences": {id: preference}});
    app.expect("PATCH", "/users/@me", Some(&owner), Some(me), 200).await;
    let body = json!({"name": "Fond", "names": [{"value": "Fondling", "status": id}]});
    let member = create(&app, &owner, body.clone()).await;
    assert_eq!(member["names"][0]["status"], id);
    // Another user has no such preference: a field error at the status, nothing created.
    let answer = app.refusal("POST", "/members", Some(&other), Some(body), INVALID_FORM).await;
    assert_eq!(error_at(&answer, &["names", "0", "status"]), "BASE_TYPE_CHOICES");
    let fields = json!({"fields": [{"name": "f", "entries": [{"value": "v", "status": "okay"}, {"value": "w", "status": "00000000-0000-0000-0000-000000000000"}]}]});
    let path = format!("/members/{}", member["id"].as_str().unwrap());
    let answer = app.refusal("PATCH", &path, Some(&owner), Some(fields), INVALID_FORM).await;
    assert_eq!(error_at(&answer, &["fields", "0", "entries", "1", "status"]), "BASE_TYPE_CHOICES");
}

backend_test!(only_the_owner_changes_a_member);
async fn only_the_owner_changes_a_member(app: TestApp) {
    let [(owner, owner_id), (other, _)] = app.register_all(["keeper", "meddler"]).await;
    let (bot_token, _) = app.create_bot("member-bot");
    let member = create(&app, &owner, json!({"name": "Mine"})).await;
    for key in [id(&member), member["sid"].as_str().unwrap().to_owned()] {
        let path = format!("/members/{key}");
        app.refusal("PATCH", &path, Some(&other), Some(json!({"bio": "mine now"})), UNKNOWN_MEMBER)
            .await;
        app.refusal("DELETE", &path, Some(&other), None, UNKNOWN_MEMBER).await;
        app.refusal(
            "PATCH",
            &path,
            Some(&bot(&bot_token)),
            Some(json!({"bio": "x"})),
            UNKNOWN_MEMBER,
        )
        .await;
        // Even an avatar is refused before it is decoded.
        app.refusal("PATCH", &path, Some(&other), Some(json!({"avatar": png(9)})), UNKNOWN_MEMBER)
            .await;
    }
    assert_eq!(
        app.expect("GET", &format!("/members/{}", id(&member)), None, None, 200).await,
        member
    );
    // Bots have no members.
    app.as_user(&bot_token)
        .post("/members")
        .json(json!({"name": "Botling"}))
        .refusal(403, 20001)
        .await;
    // Paths that name no member, and lists of nobody.
    for path in ["/members/abc", "/members/ABCDEF", "/members/abcdefg", "/members/1", "/members/-1"]
    {
        app.refusal("GET", path, Some(&owner), None, UNKNOWN_MEMBER).await;
    }
    app.refusal("GET", "/users/1/members", None, None, (404, 10013)).await;
    app.refusal("GET", "/users/nobody/members", None, None, (404, 10013)).await;
    app.refusal("POST", "/members", None, Some(json!({"name": "x"})), (401, 0)).await;
    let _ = owner_id;
}

backend_test!(members_are_paged_by_id);
async fn members_are_paged_by_id(app: TestApp) {
    let (owner, owner_id) = app.register("pager").await;
    let mut ids = Vec::new();
    for i in 0..5 {
        ids.push(id(&create(&app, &owner, json!({"name": format!("p{i}")})).await));
    }
    let page = |query: String| {
        let app = &app;
        let path = format!("/users/{owner_id}/members{query}");
        async move {
            let answer = app.expect("GET", &path, None, None, 200).await;
            answer.as_array().unwrap().iter().map(id).collect::<Vec<_>>()
        }
    };
    assert_eq!(page(String::new()).await, ids);
    assert_eq!(page("?limit=2".into()).await, ids[..2]);
    assert_eq!(page(format!("?after={}&limit=2", ids[1])).await, ids[2..4]);
    assert_eq!(page(format!("?before={}&limit=2", ids[4])).await, ids[2..4]);
    assert_eq!(page(format!("?before={}", ids[0])).await, Vec::<String>::new());
    assert_eq!(page("?limit=100".into()).await, ids);
    for bad in ["?limit=0", "?limit=101", "?limit=x", "?after=abc", "?before=-1"] {
        let path = format!("/users/{owner_id}/members{bad}");
        app.refusal("GET", &path, None, None, INVALID_FORM).await;
    }
}

backend_test!(member_avatars_are_uploaded_and_served);
async fn member_avatars_are_uploaded_and_served(app: TestApp) {
    let (owner, _) = app.register("painter").await;
    let member = create(&app, &owner, json!({"name": "Pictured", "avatar": png(1)})).await;
    let hash = member["avatar"].as_str().unwrap().to_owned();
    assert!(hash.len() == 32 && hash.bytes().all(|b| b.is_ascii_hexdigit()), "{hash}");
    let cdn = |path: String| {
        let url = format!("{}{path}", app.root);
        let http = app.http.clone();
        async move {
            let answer = http.get(url).send().await.unwrap();
            let status = answer.status().as_u16();
            let kind = header_text(answer.headers(), "content-type").map(str::to_owned);
            (status, kind.unwrap_or_default())
        }
    };
    let member_id = id(&member);
    assert_eq!(
        cdn(format!("/member-avatars/{member_id}/{hash}.png")).await,
        (200, "image/png".into())
    );
    assert_eq!(
        cdn(format!("/member-avatars/{member_id}/{hash}.webp?size=16")).await,
        (200, "image/webp".into())
    );
    // Only under its member, and only by id.
    let other = create(&app, &owner, json!({"name": "Plain"})).await;
    assert_eq!(cdn(format!("/member-avatars/{}/{hash}.png", id(&other))).await.0, 404);
    assert_eq!(
        cdn(format!("/member-avatars/{}/{hash}.png", member["sid"].as_str().unwrap())).await.0,
        404
    );
    // The user avatar path does not serve it either.
    assert_eq!(
        cdn(format!("/avatars/{}/{hash}.png", member["owner_id"].as_str().unwrap())).await.0,
        404
    );

    let path = format!("/members/{member_id}");
    // Sending the current hash back changes nothing; JPEG and WebP are taken; GIF is not.
    let same = app.expect("PATCH", &path, Some(&owner), Some(json!({"avatar": hash})), 200).await;
    assert_eq!(same["avatar"], json!(hash));
    let jpeg = image_uri(ImageFormat::Jpeg, "image/jpeg", 3);
    let changed =
        app.expect("PATCH", &path, Some(&owner), Some(json!({"avatar": jpeg})), 200).await;
    assert_ne!(changed["avatar"], json!(hash));
    let webp = image_uri(ImageFormat::WebP, "image/webp", 4);
    app.expect("PATCH", &path, Some(&owner), Some(json!({"avatar": webp})), 200).await;
    let gif = image_uri(ImageFormat::Gif, "image/gif", 5);
    let answer =
        app.refusal("PATCH", &path, Some(&owner), Some(json!({"avatar": gif})), INVALID_FORM).await;
    assert_eq!(error_at(&answer, &["avatar"]), "IMAGE_INVALID");
    // Old URLs keep working; `null` clears the avatar.
    assert_eq!(cdn(format!("/member-avatars/{member_id}/{hash}.png")).await.0, 200);
    let cleared =
        app.expect("PATCH", &path, Some(&owner), Some(json!({"avatar": null})), 200).await;
    assert_eq!(cleared["avatar"], Value::Null);
}

/// The short ids of a profile answer's `members`, in order.
/// Gives `owner` a member named `m{i}` through the store (a request each would only be slow
/// where a test needs hundreds); returns its short id.
fn add_member(store: &astral_store::Store, owner: &str, i: impl Display, hidden: bool) -> String {
    use astral_server::handlers::members::MAX_MEMBERS;
    let new = astral_store::NewProfileMember {
        name: format!("m{i}"),
        display_name: None,
        bio: None,
        avatar: None,
        links: Vec::new(),
        names: Vec::new(),
        pronoun_entries: Vec::new(),
        pronouns_key: "pronoun_entries",
        fields: Vec::new(),
        hidden,
    };
    let owner = owner.parse().expect("a user id");
    store.create_profile_member(owner, new, MAX_MEMBERS).expect("store").expect("created").sid
}

fn listed(user: &Value) -> Vec<String> {
    let members = user["members"].as_array().unwrap_or_else(|| panic!("{user}"));
    members.iter().map(|m| m["sid"].as_str().unwrap().to_owned()).collect()
}

fn sid(member: &Value) -> String {
    member["sid"].as_str().unwrap().to_owned()
}

backend_test!(the_profile_lists_members_that_are_not_hidden);
async fn the_profile_lists_members_that_are_not_hidden(app: TestApp) {
    let [(owner, owner_id), (other, _)] = app.register_all(["plural", "friendly"]).await;
    let shown = create(&app, &owner, json!({"name": "Shown", "bio": "Hi"})).await;
    let hidden = create(&app, &owner, json!({"name": "Hidden", "hidden": true})).await;
    let user = format!("/users/{owner_id}");
    let profile = format!("/users/{owner_id}/profile");
    // Hidden members are left out for everyone, the owner included (their full list is
    // /users/{id}/members); each listed one is pronouns.cc's partial member.
    let mine = app.expect("GET", "/users/@me", Some(&owner), None, 200).await;
    assert_eq!(listed(&mine), [sid(&shown)]);
    let partial = &mine["members"][0];
    assert_eq!(
        partial.as_object().unwrap().keys().collect::<Vec<_>>(),
        ["avatar", "bio", "display_name", "id", "links", "name", "names", "pronoun_entries", "sid"]
    );
    assert_eq!((&partial["id"], &partial["bio"]), (&shown["id"], &json!("Hi")));
    for viewer in [Some(owner.as_str()), Some(other.as_str()), None] {
        assert_eq!(listed(&app.expect("GET", &user, viewer, None, 200).await), [sid(&shown)]);
    }
    let theirs = app.expect("GET", &profile, Some(&other), None, 200).await;
    assert_eq!(listed(&theirs["user"]), [sid(&shown)]);
    assert!(!listed(&mine).contains(&sid(&hidden)));

    // A private list: the owner still sees their members, nobody else does.
    let private = json!({"list_private": true});
    let answer = app.expect("PATCH", "/users/@me", Some(&owner), Some(private), 200).await;
    assert_eq!(listed(&answer), [sid(&shown)]);
    assert_eq!(listed(&app.expect("GET", &user, Some(&owner), None, 200).await), [sid(&shown)]);
    for viewer in [Some(other.as_str()), None] {
        let seen = app.expect("GET", &user, viewer, None, 200).await;
        assert_eq!(seen["members"], json!([]), "{seen}");
    }
    let theirs = app.expect("GET", &profile, Some(&other), None, 200).await;
    assert_eq!(theirs["user"]["members"], json!([]));
    let reroll = app.expect("POST", "/users/@me/reroll", Some(&owner), None, 200).await;
    assert_eq!(listed(&reroll), [sid(&shown)]);
}

backend_test!(the_profile_lists_at_most_the_cap_of_members);
async fn the_profile_lists_at_most_the_cap_of_members(app: TestApp) {
    use astral_types::member::MAX_PROFILE_MEMBERS;
    let (owner, owner_id) = app.register("crowded").await;
    // Through the store: a request each would only be slow. One hidden member among them.
    let store = app.store();
    let add = |i: usize, hidden: bool| add_member(&store, &owner_id, i, hidden);
    add(0, true);
    let visible: Vec<String> = (1..=MAX_PROFILE_MEMBERS).map(|i| add(i, false)).collect();
    // At the cap: all of them.
    let user = format!("/users/{owner_id}");
    assert_eq!(listed(&app.expect("GET", &user, None, None, 200).await), visible);
    // One more: still the cap, the first by id; the rest are paged at /users/{id}/members.
    add(MAX_PROFILE_MEMBERS + 1, false);
    let mine = app.expect("GET", "/users/@me", Some(&owner), None, 200).await;
    assert_eq!(listed(&mine), visible);
    assert_eq!(listed(&app.expect("GET", &user, None, None, 200).await), visible);
    let all = app.expect("GET", &format!("{user}/members"), Some(&owner), None, 200).await;
    assert_eq!(all.as_array().unwrap().len(), MAX_PROFILE_MEMBERS + 2);
}

backend_test!(deleting_a_custom_preference_resets_members_statuses);
async fn deleting_a_custom_preference_resets_members_statuses(app: TestApp) {
    let (owner, _) = app.register("curator").await;
    let (kept, gone) =
        ("3f2b8e4a-1c2d-4e5f-8a9b-0c1d2e3f4a5b", "0b7e3c1a-9d8f-4a6b-b5c4-d3e2f1a0b9c8");
    let preference = json!({"icon": "heart", "tooltip": "Adored", "size": "normal", "muted": false, "favourite": true});
    let both = json!({"custom_preferences": {kept: preference, gone: preference}});
    app.expect("PATCH", "/users/@me", Some(&owner), Some(both), 200).await;
    let body = json!({
        "name": "Statused",
        "names": [{"value": "a", "status": gone}, {"value": "b", "status": kept}],
        "pronoun_entries": [{"pronouns": "they/them", "status": gone}],
        "fields": [{"name": "f", "entries": [{"value": "v", "status": gone}, {"value": "w", "status": "avoid"}]}]
    });
    let member = create(&app, &owner, body).await;
    let untouched =
        create(&app, &owner, json!({"name": "Plain", "names": [{"value": "c", "status": kept}]}))
            .await;
    // Removing `gone` turns every member status naming it into `okay`, in the same PATCH.
    let one = json!({"custom_preferences": {kept: preference}});
    app.expect("PATCH", "/users/@me", Some(&owner), Some(one), 200).await;
    let after =
        app.expect("GET", &format!("/members/{}", id(&member)), Some(&owner), None, 200).await;
    assert_eq!(
        after["names"],
        json!([{"value": "a", "status": "okay"}, {"value": "b", "status": kept}])
    );
    assert_eq!(after["pronoun_entries"], json!([{"pronouns": "they/them", "status": "okay"}]));
    assert_eq!(
        after["fields"],
        json!([{"name": "f", "entries": [{"value": "v", "status": "okay"}, {"value": "w", "status": "avoid"}]}])
    );
    let path = format!("/members/{}", id(&untouched));
    assert_eq!(app.expect("GET", &path, Some(&owner), None, 200).await, untouched);
    // A refused PATCH (a bad field beside the deletion) resets nothing.
    let refused = json!({"custom_preferences": {}, "bio": ""});
    app.refusal("PATCH", "/users/@me", Some(&owner), Some(refused), INVALID_FORM).await;
    assert_eq!(app.expect("GET", &path, Some(&owner), None, 200).await, untouched);
}
