//! DMs and group DMs: Discord's rules, Saryno's aliases, Discord's schemas.

use serde_json::{json, Value};

use crate::support::{
    assert_documented, assert_matches_contract, assert_matches_discord, backend_test, bot, TestApp,
};

fn check_channel(c: &Value) {
    assert_matches_contract("PrivateChannel", c);
    match c["type"].as_i64() {
        Some(1) => assert_matches_discord("PrivateChannelResponse", c),
        Some(3) => assert_matches_discord("PrivateGroupChannelResponse", c),
        other => panic!("unexpected channel type {other:?}"),
    }
    assert_eq!((c["flags"].as_i64(), &c["last_message_id"]), (Some(0), &Value::Null));
}

async fn open(app: &TestApp, token: &str, body: Value) -> (u16, Value) {
    let (status, channel) =
        app.call("POST", "/users/@me/channels", Some(&bot(token)), Some(body)).await;
    if status == 200 {
        check_channel(&channel);
    }
    (status, channel)
}

/// `a` and `b` become friends (a request and its acceptance).
pub(crate) async fn befriend(app: &TestApp, a: &(String, String), b: &(String, String)) {
    for (from, to) in [(a, b), (b, a)] {
        app.as_user(&from.0)
            .put(format!("/users/@me/relationships/{}", to.1))
            .json(json!({}))
            .expect(204)
            .await;
    }
}

async fn list(app: &TestApp, token: &str) -> Vec<Value> {
    let list = app.expect("GET", "/users/@me/channels", Some(&bot(token)), None, 200).await;
    let list = list.as_array().unwrap().clone();
    list.iter().for_each(check_channel);
    list
}

backend_test!(one_dm_per_pair_from_either_side);
async fn one_dm_per_pair_from_either_side(app: TestApp) {
    let [(a, a_id), (b, b_id)] = app.register_all(["dm-a", "dm-b"]).await;
    let (status, first) = open(&app, &a, json!({"recipient_id": b_id})).await;
    assert_eq!(status, 200, "{first}");
    assert_eq!(first["type"], 1);
    assert_eq!(
        first["recipients"].as_array().unwrap().iter().map(|u| u["id"].clone()).collect::<Vec<_>>(),
        vec![json!(b_id)]
    );
    assert!(first.get("name").is_none() && first.get("owner_id").is_none());
    // Again, by each spelling and from the other side: the same channel.
    for (token, body) in [
        (&a, json!({"recipient_id": b_id})),
        (&a, json!({"recipients": [b_id]})),
        (&a, json!({"recipient_ids": [b_id], "type": 2})),
        (&a, json!({"recipient_id": b_id.parse::<u64>().unwrap()})),
        (&b, json!({"recipient_id": a_id})),
    ] {
        let (status, again) = open(&app, token, body.clone()).await;
        assert_eq!((status, &again["id"]), (200, &first["id"]), "{body}");
    }
    // Through the generated client.
    let body = astral_client::types::CreatePrivateChannelRequest {
        recipient_id: Some(b_id.parse().unwrap()),
        ..Default::default()
    };
    let typed = app.client(Some(&bot(&a))).create_dm(&body).await.unwrap().into_inner();
    assert_eq!(typed.id.to_string(), first["id"].as_str().unwrap());
    // Concurrent opens by both sides still make one channel.
    let (c, c_id) = app.register("dm-c").await;
    let (x, y) = futures_util::future::join(
        open(&app, &c, json!({"recipient_id": a_id})),
        open(&app, &a, json!({"recipient_id": c_id})),
    )
    .await;
    assert_eq!((x.0, y.0), (200, 200));
    assert_eq!(x.1["id"], y.1["id"]);

    // Listing, closing and reopening.
    let ids = |l: Vec<Value>| l.iter().map(|c| c["id"].clone()).collect::<Vec<_>>();
    assert_eq!(ids(list(&app, &a).await).len(), 2);
    let channel_id = first["id"].as_str().unwrap();
    let (status, closed) =
        app.call("DELETE", &format!("/channels/{channel_id}"), Some(&bot(&a)), None).await;
    assert_eq!((status, &closed["id"]), (200, &first["id"]));
    assert!(!ids(list(&app, &a).await).contains(&first["id"]));
    assert!(ids(list(&app, &b).await).contains(&first["id"]), "closing is per side");
    let (_, reopened) = open(&app, &a, json!({"recipient_id": b_id})).await;
    assert_eq!(reopened["id"], first["id"]);
    assert!(ids(list(&app, &a).await).contains(&first["id"]));
}

backend_test!(dm_errors);
async fn dm_errors(app: TestApp) {
    let [(a, a_id), (b, b_id)] = app.register_all(["err-a", "err-b"]).await;
    let cases = [
        (json!({"recipient_id": "1"}), 400, 50033),
        (json!({"recipient_id": a_id}), 400, 50035),
        (json!({"recipient_id": "abc"}), 400, 50035),
        (json!({}), 400, 50035),
        (json!({"recipients": "nope"}), 400, 50035),
        (json!({"recipient_id": b_id, "type": 7}), 400, 50035),
    ];
    for (body, status, code) in cases {
        app.refusal("POST", "/users/@me/channels", Some(&bot(&a)), Some(body), (status, code))
            .await;
    }
    // A user who blocked you cannot be DMed.
    app.block(&b, &a_id).await;
    let (status, answer) = open(&app, &a, json!({"recipient_id": b_id})).await;
    assert_eq!(
        (status, answer),
        (403, json!({"code": 50007, "message": "Cannot send messages to this user"}))
    );
    // Unknown channels.
    for path in ["/channels/1", "/channels/x"] {
        app.refusal("DELETE", path, Some(&bot(&a)), None, (404, 10003)).await;
    }
}

backend_test!(bots_open_dms);
async fn bots_open_dms(app: TestApp) {
    let (bot_token, _) = app.create_bot("dm-bot");
    let (_, user_id) = app.register("dm-target").await;
    let (status, channel) = open(&app, &bot_token, json!({"recipient_id": user_id})).await;
    assert_eq!((status, channel["type"].as_i64()), (200, Some(1)));
    assert_eq!(list(&app, &bot_token).await.len(), 1);
}

backend_test!(group_dms);
async fn group_dms(app: TestApp) {
    let mut people = Vec::new();
    for n in 0..11 {
        people.push(app.register(&format!("g{n}")).await);
    }
    // Group DMs are among friends: the owner's are people[1..3], the member's the rest.
    for p in &people[1..3] {
        befriend(&app, &people[0], p).await;
    }
    for p in &people[3..] {
        befriend(&app, &people[1], p).await;
    }
    let (owner, owner_id) = people[0].clone();
    let ids: Vec<String> = people[1..3].iter().map(|p| p.1.clone()).collect();
    let (status, group) = open(&app, &owner, json!({"recipients": ids})).await;
    assert_eq!(
        (status, group["type"].as_i64(), group["owner_id"].as_str()),
        (200, Some(3), Some(owner_id.as_str()))
    );
    assert_eq!(
        group["recipients"].as_array().unwrap().len(),
        2,
        "the caller is not among the recipients"
    );
    assert_eq!((&group["name"], &group["icon"]), (&Value::Null, &Value::Null));
    let gid = group["id"].as_str().unwrap().to_owned();
    // Saryno's spelling: recipient_ids with type 3, even with one id.
    let (status, small) =
        open(&app, &owner, json!({"recipient_ids": [people[1].1], "type": 3})).await;
    assert_eq!((status, small["type"].as_i64()), (200, Some(3)));

    // Any member adds, up to 10 in all.
    let member = people[1].0.clone();
    for p in &people[3..10] {
        app.as_user(&member).put(format!("/channels/{gid}/recipients/{}", p.1)).expect(204).await;
    }
    app.as_user(&member)
        .put(format!("/channels/{gid}/recipients/{}", people[10].1))
        .refusal(400, 30004)
        .await;
    let eleven: Vec<String> = people[1..].iter().map(|p| p.1.clone()).collect();
    let (status, body) = open(&app, &owner, json!({"recipients": eleven})).await;
    assert_eq!((status, body["code"].as_i64()), (400, Some(30004)));

    // Only the owner removes.
    let target = &people[9].1;
    app.as_user(&member)
        .delete(format!("/channels/{gid}/recipients/{target}"))
        .refusal(403, 50013)
        .await;
    assert_eq!(
        app.as_user(&owner).delete(format!("/channels/{gid}/recipients/{target}")).call().await.0,
        204
    );
    app.as_user(&owner)
        .delete(format!("/channels/{gid}/recipients/{target}"))
        .refusal(404, 10013)
        .await;
    assert!(list(&app, &people[9].0).await.is_empty());

    // The owner leaves: ownership passes to the member with the smallest id.
    app.expect("DELETE", &format!("/channels/{gid}"), Some(&bot(&owner)), None, 200).await;
    let (_, channels) = app.call("GET", "/users/@me/channels", Some(&bot(&member)), None).await;
    let now = channels.as_array().unwrap().iter().find(|c| c["id"] == json!(gid)).unwrap().clone();
    let next_owner =
        people[1..9].iter().map(|p| p.1.parse::<u64>().unwrap()).min().unwrap().to_string();
    assert_eq!(now["owner_id"], json!(next_owner));

    // DM channels take no recipients.
    let (_, dm) = open(&app, &owner, json!({"recipient_id": people[1].1})).await;
    app.as_user(&owner)
        .put(format!("/channels/{}/recipients/{}", dm["id"].as_str().unwrap(), people[2].1))
        .refusal(400, 50003)
        .await;
}

/// `POST /users/@me/channels` for a group DM with `recipients`.
async fn group(app: &TestApp, token: &str, recipients: &[&str]) -> (u16, Value) {
    open(app, token, json!({"recipients": recipients, "type": 3})).await
}

fn add_path(channel: &Value, user: &str) -> String {
    format!("/channels/{}/recipients/{user}", channel["id"].as_str().unwrap())
}

const NOT_A_FRIEND: (u16, Option<i64>) = (403, Some(50007));

// Attack 8 of issue 14: a stranger made 33,000 group DMs with the victim in them; then the
// victim's channel list answered 500 for ever.
backend_test!(a_stranger_cannot_put_anyone_into_a_group_dm);
async fn a_stranger_cannot_put_anyone_into_a_group_dm(app: TestApp) {
    let victim = app.register("gdm-victim").await;
    let stranger = app.register("gdm-stranger").await;
    let accomplice = app.register("gdm-accomplice").await;
    befriend(&app, &stranger, &accomplice).await;
    let (bot_token, bot_id) = app.create_bot("gdm-bot");

    // Creating: with a stranger, with a stranger among friends, with a bot.
    for recipients in [
        vec![victim.1.as_str()],
        vec![accomplice.1.as_str(), victim.1.as_str()],
        vec![accomplice.1.as_str(), bot_id.as_str()],
    ] {
        let (status, body) = group(&app, &stranger.0, &recipients).await;
        assert_eq!((status, body["code"].as_i64()), NOT_A_FRIEND, "{recipients:?}: {body}");
        assert_eq!(body["message"], "Cannot send messages to this user");
        assert_documented("POST", "/users/@me/channels", status, &body);
    }
    // Adding: the stranger's own group with a friend, then the victim, a bot.
    let (status, own) = group(&app, &stranger.0, &[&accomplice.1]).await;
    assert_eq!(status, 200, "{own}");
    for target in [&victim.1, &bot_id] {
        let path = add_path(&own, target);
        app.refusal("PUT", &path, Some(&bot(&stranger.0)), None, (403, 50007)).await;
    }
    // A friend request the victim has not accepted is not friendship.
    app.as_user(&stranger.0)
        .put(format!("/users/@me/relationships/{}", victim.1))
        .json(json!({}))
        .expect(204)
        .await;
    let (status, body) =
        app.call("PUT", &add_path(&own, &victim.1), Some(&bot(&stranger.0)), None).await;
    assert_eq!((status, body["code"].as_i64()), NOT_A_FRIEND, "{body}");
    // Nothing reached the victim.
    assert!(list(&app, &victim.0).await.is_empty());
    // Once they are friends, it works; a friend of a member is not enough for that member.
    app.as_user(&victim.0)
        .put(format!("/users/@me/relationships/{}", stranger.1))
        .json(json!({}))
        .expect(204)
        .await;
    app.expect("PUT", &add_path(&own, &victim.1), Some(&bot(&stranger.0)), None, 204).await;
    assert_eq!(list(&app, &victim.0).await.len(), 1);
    let newcomer = app.register("gdm-newcomer").await;
    befriend(&app, &victim, &newcomer).await;
    let (status, body) =
        app.call("PUT", &add_path(&own, &newcomer.1), Some(&bot(&accomplice.0)), None).await;
    assert_eq!((status, body["code"].as_i64()), NOT_A_FRIEND, "{body}");

    // Bots create no group DMs and add nobody, whoever the recipients are.
    let (status, body) = group(&app, &bot_token, &[&victim.1, &stranger.1]).await;
    assert_eq!(
        (status, body),
        (403, json!({"code": 20001, "message": "Bots cannot use this endpoint"}))
    );
    app.refusal("PUT", &add_path(&own, &victim.1), Some(&bot(&bot_token)), None, (403, 20001))
        .await;
    // A 1:1 DM needs no friendship (Discord's rule too), and bots may open them.
    let (status, dm) = open(&app, &bot_token, json!({"recipient_id": victim.1})).await;
    assert_eq!((status, dm["type"].as_i64()), (200, Some(1)));
}

backend_test!(group_dm_cap_holds_at_its_boundary);
async fn group_dm_cap_holds_at_its_boundary(app: TestApp) {
    let victim = app.register("cap-victim").await;
    let first = app.register("cap-first").await;
    let second = app.register("cap-second").await;
    let third = app.register("cap-third").await;
    befriend(&app, &victim, &first).await;
    befriend(&app, &victim, &second).await;
    befriend(&app, &second, &third).await;
    let over = json!({"code": 30011, "message": "Maximum number of group DMs reached (10)"});
    // Ten group DMs: the tenth is fine.
    let mut groups = Vec::new();
    for n in 0..10 {
        let (status, body) = group(&app, &victim.0, &[&first.1]).await;
        assert_eq!(status, 200, "group {n}: {body}");
        groups.push(body);
    }
    // One more, by the victim or with the victim, by creating or adding: refused.
    let (status, body) = group(&app, &victim.0, &[&second.1]).await;
    assert_eq!((status, &body), (400, &over));
    assert_documented("POST", "/users/@me/channels", status, &body);
    let (status, body) = group(&app, &second.0, &[&victim.1, &third.1]).await;
    assert_eq!((status, &body), (400, &over));
    let (status, theirs) = group(&app, &second.0, &[&third.1]).await;
    assert_eq!(status, 200, "{theirs}");
    let (status, body) =
        app.call("PUT", &add_path(&theirs, &victim.1), Some(&bot(&second.0)), None).await;
    assert_eq!((status, &body), (400, &over));
    assert_documented("PUT", "/channels/{channel_id}/recipients/{user_id}", status, &body);
    // The first friend is in ten as well.
    app.expect("PUT", &add_path(&groups[0], &second.1), Some(&bot(&victim.0)), None, 204).await;
    let (status, body) =
        app.call("PUT", &add_path(&theirs, &first.1), Some(&bot(&second.0)), None).await;
    assert_eq!((status, body["code"].as_i64()), NOT_A_FRIEND, "not friends is said before the cap");
    assert_eq!(list(&app, &victim.0).await.len(), 10);
    // Leaving one makes room for one.
    app.as_user(&victim.0)
        .delete(format!("/channels/{}", groups[9]["id"].as_str().unwrap()))
        .expect(200)
        .await;
    app.expect("PUT", &add_path(&theirs, &victim.1), Some(&bot(&second.0)), None, 204).await;
    let (status, body) = group(&app, &victim.0, &[&second.1]).await;
    assert_eq!((status, &body), (400, &over));
    // Re-adding a member changes nothing, at the cap too.
    app.expect("PUT", &add_path(&theirs, &victim.1), Some(&bot(&second.0)), None, 204).await;
    assert_eq!(list(&app, &victim.0).await.len(), 10);
}

backend_test!(concurrent_group_dms_at_the_cap_boundary_make_exactly_one);
async fn concurrent_group_dms_at_the_cap_boundary_make_exactly_one(app: TestApp) {
    const RACERS: usize = 8;
    let victim = app.register("race-victim").await;
    let buddy = app.register("race-buddy").await;
    befriend(&app, &victim, &buddy).await;
    for _ in 0..9 {
        assert_eq!(group(&app, &victim.0, &[&buddy.1]).await.0, 200);
    }
    let mut racers = Vec::new();
    for n in 0..RACERS {
        let racer = app.register(&format!("racer{n}")).await;
        befriend(&app, &victim, &racer).await;
        racers.push(racer);
    }
    // Each racer puts the victim into a new group at the same moment: the victim has room
    // for one.
    let target = [victim.1.as_str()];
    let answers =
        futures_util::future::join_all(racers.iter().map(|r| group(&app, &r.0, &target))).await;
    let made = answers.iter().filter(|(status, _)| *status == 200).count();
    for (status, body) in &answers {
        assert!(
            *status == 200 || (*status, body["code"].as_i64()) == (400, Some(30011)),
            "{status} {body}"
        );
    }
    assert_eq!(made, 1, "{answers:?}");
    let groups = list(&app, &victim.0).await.into_iter().filter(|c| c["type"] == 3).count();
    assert_eq!(groups, 10);

    // The same with additions to the racers' own groups (one slot again).
    app.as_user(&victim.0)
        .delete(format!("/channels/{}", list(&app, &victim.0).await[0]["id"].as_str().unwrap()))
        .expect(200)
        .await;
    let mut own = Vec::new();
    for (n, r) in racers.iter().enumerate() {
        let next = &racers[(n + 1) % RACERS];
        befriend(&app, r, next).await;
        let (status, body) = group(&app, &r.0, &[&next.1]).await;
        assert_eq!(status, 200, "{body}");
        own.push(body);
    }
    let app = &app;
    let answers = futures_util::future::join_all(racers.iter().zip(&own).map(|(r, g)| {
        let path = add_path(g, &victim.1);
        let token = bot(&r.0);
        async move { app.call("PUT", &path, Some(&token), None).await }
    }))
    .await;
    let added = answers.iter().filter(|(status, _)| *status == 204).count();
    for (status, body) in &answers {
        assert!(
            *status == 204 || (*status, body["code"].as_i64()) == (400, Some(30011)),
            "{status} {body}"
        );
    }
    assert_eq!(added, 1, "{answers:?}");
    assert_eq!(list(app, &victim.0).await.into_iter().filter(|c| c["type"] == 3).count(), 10);
}

backend_test!(tens_of_thousands_of_channels_list_correctly_and_fast);
async fn tens_of_thousands_of_channels_list_correctly_and_fast(app: TestApp) {
    // Past SQLite's 32,766 bound parameters, where the list used to answer 500; seeded
    // through the store as 1:1 DMs (no cap is lifted for it).
    const SMALL: usize = 1_000;
    const LARGE: usize = 33_000;
    let (token, me) = app.register("hoarder").await;
    let me: astral_types::UserId = me.parse().unwrap();
    let store = app.store();
    let app = &app;
    let timed = |expected: usize| {
        let token = token.clone();
        async move {
            let mut times = Vec::new();
            for _ in 0..3 {
                let started = std::time::Instant::now();
                let (status, body) =
                    app.call("GET", "/users/@me/channels", Some(&bot(&token)), None).await;
                times.push(started.elapsed());
                assert_eq!(status, 200, "{body}");
                let channels = body.as_array().unwrap();
                assert_eq!(channels.len(), expected);
                let ids: Vec<u64> =
                    channels.iter().map(|c| c["id"].as_str().unwrap().parse().unwrap()).collect();
                assert!(ids.windows(2).all(|w| w[0] < w[1]), "ascending ids");
                for c in channels {
                    let recipients = c["recipients"].as_array().unwrap();
                    assert_eq!((c["type"].as_i64(), recipients.len()), (Some(1), 1), "{c}");
                    assert!(recipients[0]["username"].as_str().unwrap().starts_with("seed"), "{c}");
                }
                // Schema checks cost milliseconds each: a sample.
                for c in channels.iter().step_by(expected / 10) {
                    check_channel(c);
                }
            }
            times.sort();
            times[1]
        }
    };
    let seeding = std::time::Instant::now();
    store.seed_open_dms(me, SMALL).unwrap();
    let small = timed(SMALL).await;
    store.seed_open_dms(me, LARGE - SMALL).unwrap();
    println!("seeded {LARGE} DMs in {:?}", seeding.elapsed());
    let large = timed(LARGE).await;
    // Linear in the number of channels: per channel, at most 4 times the small list's cost.
    let per_small = small.as_secs_f64() / SMALL as f64;
    let per_large = large.as_secs_f64() / LARGE as f64;
    println!("GET /users/@me/channels: {SMALL} channels in {small:?}, {LARGE} in {large:?} ({:.2}x per channel)", per_large / per_small);
    assert!(per_large <= 4.0 * per_small, "{SMALL}: {small:?}, {LARGE}: {large:?}");
}
