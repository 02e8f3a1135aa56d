//! 64 clients at once: racing PATCHes on one user, DM creation between one pair from both
//! sides, friend requests in both directions and pride flag creations at the per-user cap end
//! in one consistent state. And a use case racing another that undoes it: a bot leaving a guild
//! while its owner adds it.

use futures_util::future::join_all;
use serde_json::{json, Value};

use crate::support::{backend_test, bot, check_response_body, header_text, TestApp};

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
    let retry_after = header_text(response.headers(), "retry-after").map(str::to_owned);
    let text = response.text().await.unwrap();
    (status, retry_after, serde_json::from_str(&text).unwrap_or(Value::Null))
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

backend_test!(sixty_four_patches_leave_exactly_one_clients_values);
async fn sixty_four_patches_leave_exactly_one_clients_values(app: TestApp) {
    let (token, _) = app.register("contested").await;
    let tagged =
        |i: usize| (format!("racer-{i}"), format!("Racer {i}"), LOCALES[i % LOCALES.len()]);
    let answers = join_all((0..CLIENTS).map(|i| {
        let (username, global_name, locale) = tagged(i);
        send(
            &app,
            "PATCH",
            "/users/@me".into(),
            &token,
            // A rename needs the password (docs/accounts.md): each writer re-authenticates.
            json!({"username": username, "global_name": global_name, "locale": locale,
                   "password": "correct horse battery"}),
        )
    }))
    .await;
    let busy = tally("PATCH /users/@me", "/users/@me", "PATCH", 200, &answers);
    // Each answer is the writer's own full set: no write saw another's fields mixed in.
    for (i, (status, _, me)) in answers.iter().enumerate() {
        if *status == 200 {
            let (username, global_name, locale) = tagged(i);
            assert_eq!(
                (me["username"].as_str(), me["global_name"].as_str(), me["locale"].as_str()),
                (Some(username.as_str()), Some(global_name.as_str()), Some(locale)),
                "client {i}"
            );
        }
    }
    let (_, me) = app.call("GET", "/users/@me", Some(&token), None).await;
    let winner: usize =
        me["username"].as_str().unwrap().strip_prefix("racer-").unwrap().parse().unwrap();
    let (username, global_name, locale) = tagged(winner);
    assert_eq!(
        (me["username"].as_str(), me["global_name"].as_str(), me["locale"].as_str()),
        (Some(username.as_str()), Some(global_name.as_str()), Some(locale)),
        "fields of different clients mixed"
    );
    assert_eq!(answers[winner].0, 200, "the stored values are those of a client that was refused");
    assert!(busy < CLIENTS);
}

/// Two users racing each other from both sides.
struct Pair {
    a: (String, String),
    b: (String, String),
}

impl Pair {
    async fn register(app: &TestApp, [a, b]: [&str; 2]) -> Pair {
        Pair { a: app.register(a).await, b: app.register(b).await }
    }

    /// Each side with the other's id: `(token, other's id)`, A's first.
    fn sides(&self) -> [(&str, &str); 2] {
        [(&self.a.0, &self.b.1), (&self.b.0, &self.a.1)]
    }

    /// `CLIENTS` requests at once, alternately A's and B's, each `method` to the path that
    /// `path(other's id)` names with the body `body(other's id)`.
    async fn race(
        &self,
        app: &TestApp,
        method: &str,
        path: impl Fn(&str) -> String,
        body: impl Fn(&str) -> Value,
    ) -> Vec<(u16, Option<String>, Value)> {
        join_all((0..CLIENTS).map(|i| {
            let (token, other) = self.sides()[i % 2];
            send(app, method, path(other), token, body(other))
        }))
        .await
    }

    /// What each side's list at `path` holds, which must be one item: `(item, other's id)`.
    async fn each_ones_only_item(&self, app: &TestApp, path: &str) -> Vec<(Value, String)> {
        let mut items = Vec::new();
        for (token, other) in self.sides() {
            let (_, list) = app.call("GET", path, Some(token), None).await;
            let list = list.as_array().unwrap();
            assert_eq!(list.len(), 1, "{list:?}");
            items.push((list[0].clone(), other.to_owned()));
        }
        items
    }
}

backend_test!(sixty_four_dm_opens_from_both_sides_make_one_channel);
async fn sixty_four_dm_opens_from_both_sides_make_one_channel(app: TestApp) {
    let pair = Pair::register(&app, ["dm-left", "dm-right"]).await;
    let answers = pair
        .race(
            &app,
            "POST",
            |_| "/users/@me/channels".into(),
            |other| json!({"recipient_id": other}),
        )
        .await;
    tally("POST /users/@me/channels", "/users/@me/channels", "POST", 200, &answers);
    let ids: std::collections::BTreeSet<String> = answers
        .iter()
        .filter(|a| a.0 == 200)
        .map(|a| a.2["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids.len(), 1, "{ids:?}");
    for (channel, other) in pair.each_ones_only_item(&app, "/users/@me/channels").await {
        assert_eq!(channel["id"].as_str(), ids.first().map(String::as_str));
        assert_eq!(channel["recipients"][0]["id"], json!(other));
    }
}

backend_test!(sixty_four_friend_requests_both_ways_make_one_friendship);
async fn sixty_four_friend_requests_both_ways_make_one_friendship(app: TestApp) {
    let pair = Pair::register(&app, ["mutual-a", "mutual-b"]).await;
    let answers = pair
        .race(&app, "PUT", |other| format!("/users/@me/relationships/{other}"), |_| json!({}))
        .await;
    let template = "/users/@me/relationships/{user_id}";
    tally(&format!("PUT {template}"), template, "PUT", 204, &answers);
    for (relationship, other) in pair.each_ones_only_item(&app, "/users/@me/relationships").await {
        assert_eq!(
            (&relationship["id"], relationship["type"].as_i64()),
            (&json!(other), Some(1)),
            "{relationship}"
        );
    }
}

/// Rounds of the add-while-leaving race below. Each round is one add and a few leaves at once.
/// On the code that added and then read the membership in two store calls, a leave landed
/// between them within the first 131 rounds in each of 4 runs per backend (usually within 7).
const ADD_LEAVE_ROUNDS: usize = 300;
const LEAVERS: usize = 3;

backend_test!(a_bot_leaving_while_its_owner_adds_it_gets_its_real_membership);
async fn a_bot_leaving_while_its_owner_adds_it_gets_its_real_membership(app: TestApp) {
    let (owner, _) = app.register("bot-keeper").await;
    let (bot_token, bot_id) = app.create_bot("restless-bot");
    let (status, guild) =
        app.as_user(&owner).post("/guilds").json(json!({"name": "Revolving Door"})).call().await;
    assert_eq!(status, 201, "{guild}");
    let guild_id = guild["id"].as_str().unwrap().to_owned();
    let add = format!("/guilds/{guild_id}/members/{bot_id}");
    let leave = format!("/users/@me/guilds/{guild_id}");
    let (owner, bot_token) = (bot(&owner), bot(&bot_token));
    let app = &app;
    let mut added = 0;
    for round in 0..ADD_LEAVE_ROUNDS {
        let adding = app.call("PUT", &add, Some(&owner), None);
        let leaving =
            join_all((0..LEAVERS).map(|_| app.call("DELETE", &leave, Some(&bot_token), None)));
        let ((status, member), left) = futures_util::future::join(adding, leaving).await;
        for (status, body) in left {
            assert!(
                status == 204 || (status, body["code"].as_i64()) == (404, Some(10004)),
                "round {round}: leave {status} {body}"
            );
        }
        match status {
            // Added: the member object is the membership that was made, whatever happened
            // to it right after. The old handler re-read it in a second store call and,
            // when a leave came in between, answered `joined_at` as the epoch.
            201 => {
                added += 1;
                check_response_body("PUT", "/guilds/{guild_id}/members/{user_id}", status, &member)
                    .unwrap_or_else(|e| panic!("round {round}: {e}"));
                assert_eq!(member["user"]["id"].as_str(), Some(bot_id.as_str()), "round {round}");
                let joined_at = member["joined_at"].as_str().unwrap_or_default();
                assert!(
                    joined_at >= "2020",
                    "round {round}: joined_at {joined_at:?} is not when it joined"
                );
            }
            204 => {}
            _ => panic!("round {round}: add {status} {member}"),
        }
    }
    println!("{added} of {ADD_LEAVE_ROUNDS} adds answered 201");
    assert!(added > 0, "no round added the bot: the race was never run");
}

backend_test!(sixty_four_flag_creations_at_the_cap_make_exactly_the_room_left);
async fn sixty_four_flag_creations_at_the_cap_make_exactly_the_room_left(app: TestApp) {
    const ROOM: usize = 8;
    let cap = astral_types::pride_flag::MAX_PRIDE_FLAGS as usize;
    let (token, _) = app.register("flag-racer").await;
    let flag = {
        use base64::Engine;
        let img = image::RgbImage::from_pixel(3, 2, image::Rgb([1, 2, 3]));
        let mut out = std::io::Cursor::new(Vec::new());
        img.write_to(&mut out, image::ImageFormat::Png).unwrap();
        base64::engine::general_purpose::STANDARD.encode(out.into_inner())
    };
    for i in 0..cap - ROOM {
        let body = json!({"flag": flag, "name": format!("Before {i}")});
        app.expect("POST", "/users/@me/flags", Some(&token), Some(body), 200).await;
    }
    let answers = join_all((0..CLIENTS).map(|i| {
        let body = json!({"flag": flag, "name": format!("Racer {i}")});
        send(&app, "POST", "/users/@me/flags".into(), &token, body)
    }))
    .await;
    let (mut created, mut refused, mut busy) = (0, 0, 0);
    for (status, retry_after, body) in &answers {
        match (*status, body["code"].as_i64()) {
            (200, _) => created += 1,
            (400, Some(30080)) => refused += 1,
            (503, _) if retry_after.is_some() => busy += 1,
            other => panic!("{other:?}: {body}"),
        }
        check_response_body("POST", "/users/@me/flags", *status, body).unwrap();
    }
    println!("POST /users/@me/flags at the cap: {created} created, {refused} refused, {busy} busy");
    // The count is taken under the user's lock: the racers never pass the cap together, and
    // unless some were turned away busy, exactly the room left is filled.
    assert!(created <= ROOM, "{created} created with room for {ROOM}");
    if busy == 0 {
        assert_eq!((created, refused), (ROOM, CLIENTS - ROOM));
    }
    let (_, list) = app.call("GET", "/users/@me/flags", Some(&token), None).await;
    assert_eq!(list.as_array().unwrap().len(), cap - ROOM + created);
}
