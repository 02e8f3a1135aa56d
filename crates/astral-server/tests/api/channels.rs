//! DMs and group DMs: Discord's rules, Saryno's aliases, Discord's schemas.

use serde_json::{json, Value};

use crate::support::{
    assert_documented, assert_matches_contract, assert_matches_discord, backend_tests, bot, TestApp,
};

fn check_channel(c: &Value) {
    assert_matches_contract("PrivateChannel", c);
    match c["type"].as_i64() {
        Some(1) => assert_matches_discord("PrivateChannelResponse", c),
        Some(3) => assert_matches_discord("PrivateGroupChannelResponse", c),
        other => panic!("unexpected channel type {other:?}"),
    }
    assert_eq!(
        (c["flags"].as_i64(), &c["last_message_id"]),
        (Some(0), &Value::Null)
    );
}

async fn open(app: &TestApp, token: &str, body: Value) -> (u16, Value) {
    let (status, channel) = app
        .call("POST", "/users/@me/channels", Some(&bot(token)), Some(body))
        .await;
    if status == 200 {
        check_channel(&channel);
    }
    (status, channel)
}

async fn list(app: &TestApp, token: &str) -> Vec<Value> {
    let (status, list) = app
        .call("GET", "/users/@me/channels", Some(&bot(token)), None)
        .await;
    assert_eq!(status, 200);
    let list = list.as_array().unwrap().clone();
    list.iter().for_each(check_channel);
    list
}

backend_tests! {
    async fn one_dm_per_pair_from_either_side(app) {
        let (a, a_id) = app.register("dm-a").await;
        let (b, b_id) = app.register("dm-b").await;
        let (status, first) = open(&app, &a, json!({"recipient_id": b_id})).await;
        assert_eq!(status, 200, "{first}");
        assert_eq!(first["type"], 1);
        assert_eq!(first["recipients"].as_array().unwrap().iter().map(|u| u["id"].clone()).collect::<Vec<_>>(), vec![json!(b_id)]);
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
        let body = astral_client::types::CreatePrivateChannelRequest { recipient_id: Some(b_id.parse().unwrap()), ..Default::default() };
        let typed = app.client(Some(&bot(&a))).create_dm(&body).await.unwrap().into_inner();
        assert_eq!(typed.id.to_string(), first["id"].as_str().unwrap());
        // Concurrent opens by both sides still make one channel.
        let (c, c_id) = app.register("dm-c").await;
        let (x, y) = futures_util::future::join(open(&app, &c, json!({"recipient_id": a_id})), open(&app, &a, json!({"recipient_id": c_id}))).await;
        assert_eq!((x.0, y.0), (200, 200));
        assert_eq!(x.1["id"], y.1["id"]);

        // Listing, closing and reopening.
        let ids = |l: Vec<Value>| l.iter().map(|c| c["id"].clone()).collect::<Vec<_>>();
        assert_eq!(ids(list(&app, &a).await).len(), 2);
        let channel_id = first["id"].as_str().unwrap();
        let (status, closed) = app.call("DELETE", &format!("/channels/{channel_id}"), Some(&bot(&a)), None).await;
        assert_eq!((status, &closed["id"]), (200, &first["id"]));
        assert!(!ids(list(&app, &a).await).contains(&first["id"]));
        assert!(ids(list(&app, &b).await).contains(&first["id"]), "closing is per side");
        let (_, reopened) = open(&app, &a, json!({"recipient_id": b_id})).await;
        assert_eq!(reopened["id"], first["id"]);
        assert!(ids(list(&app, &a).await).contains(&first["id"]));
    }

    async fn dm_errors(app) {
        let (a, a_id) = app.register("err-a").await;
        let (b, b_id) = app.register("err-b").await;
        let cases = [
            (json!({"recipient_id": "1"}), 400, 50033),
            (json!({"recipient_id": a_id}), 400, 50035),
            (json!({"recipient_id": "abc"}), 400, 50035),
            (json!({}), 400, 50035),
            (json!({"recipients": "nope"}), 400, 50035),
            (json!({"recipient_id": b_id, "type": 7}), 400, 50035),
        ];
        for (body, status, code) in cases {
            let (got, answer) = open(&app, &a, body.clone()).await;
            assert_eq!((got, answer["code"].as_i64()), (status, Some(code)), "{body}: {answer}");
            assert_documented("POST", "/users/@me/channels", got, &answer);
        }
        // A user who blocked you cannot be DMed.
        app.call("PUT", &format!("/users/@me/relationships/{a_id}"), Some(&bot(&b)), Some(json!({"type": 2}))).await;
        let (status, answer) = open(&app, &a, json!({"recipient_id": b_id})).await;
        assert_eq!((status, answer), (403, json!({"code": 50007, "message": "Cannot send messages to this user"})));
        // Unknown channels.
        for path in ["/channels/1", "/channels/x"] {
            let (status, body) = app.call("DELETE", path, Some(&bot(&a)), None).await;
            assert_eq!((status, body["code"].as_i64()), (404, Some(10003)));
        }
    }

    async fn bots_open_dms(app) {
        let (bot_token, _) = app.create_bot("dm-bot");
        let (_, user_id) = app.register("dm-target").await;
        let (status, channel) = open(&app, &bot_token, json!({"recipient_id": user_id})).await;
        assert_eq!((status, channel["type"].as_i64()), (200, Some(1)));
        assert_eq!(list(&app, &bot_token).await.len(), 1);
    }

    async fn group_dms(app) {
        let mut people = Vec::new();
        for n in 0..11 {
            people.push(app.register(&format!("g{n}")).await);
        }
        let (owner, owner_id) = people[0].clone();
        let ids: Vec<String> = people[1..3].iter().map(|p| p.1.clone()).collect();
        let (status, group) = open(&app, &owner, json!({"recipients": ids})).await;
        assert_eq!((status, group["type"].as_i64(), group["owner_id"].as_str()), (200, Some(3), Some(owner_id.as_str())));
        assert_eq!(group["recipients"].as_array().unwrap().len(), 2, "the caller is not among the recipients");
        assert_eq!((&group["name"], &group["icon"]), (&Value::Null, &Value::Null));
        let gid = group["id"].as_str().unwrap().to_owned();
        // Saryno's spelling: recipient_ids with type 3, even with one id.
        let (status, small) = open(&app, &owner, json!({"recipient_ids": [people[1].1], "type": 3})).await;
        assert_eq!((status, small["type"].as_i64()), (200, Some(3)));

        // Any member adds, up to 10 in all.
        let member = people[1].0.clone();
        for p in &people[3..10] {
            let (status, body) = app.call("PUT", &format!("/channels/{gid}/recipients/{}", p.1), Some(&bot(&member)), None).await;
            assert_eq!(status, 204, "{body}");
        }
        let (status, body) = app.call("PUT", &format!("/channels/{gid}/recipients/{}", people[10].1), Some(&bot(&member)), None).await;
        assert_eq!((status, body["code"].as_i64()), (400, Some(30004)));
        assert_documented("PUT", "/channels/{channel_id}/recipients/{user_id}", status, &body);
        let eleven: Vec<String> = people[1..].iter().map(|p| p.1.clone()).collect();
        let (status, body) = open(&app, &owner, json!({"recipients": eleven})).await;
        assert_eq!((status, body["code"].as_i64()), (400, Some(30004)));

        // Only the owner removes.
        let target = &people[9].1;
        let (status, body) = app.call("DELETE", &format!("/channels/{gid}/recipients/{target}"), Some(&bot(&member)), None).await;
        assert_eq!((status, body["code"].as_i64()), (403, Some(50013)));
        assert_eq!(app.call("DELETE", &format!("/channels/{gid}/recipients/{target}"), Some(&bot(&owner)), None).await.0, 204);
        let (status, body) = app.call("DELETE", &format!("/channels/{gid}/recipients/{target}"), Some(&bot(&owner)), None).await;
        assert_eq!((status, body["code"].as_i64()), (404, Some(10013)));
        assert!(list(&app, &people[9].0).await.is_empty());

        // The owner leaves: ownership passes to the member with the smallest id.
        let (status, _) = app.call("DELETE", &format!("/channels/{gid}"), Some(&bot(&owner)), None).await;
        assert_eq!(status, 200);
        let (_, channels) = app.call("GET", "/users/@me/channels", Some(&bot(&member)), None).await;
        let now = channels.as_array().unwrap().iter().find(|c| c["id"] == json!(gid)).unwrap().clone();
        let next_owner = people[1..9].iter().map(|p| p.1.parse::<u64>().unwrap()).min().unwrap().to_string();
        assert_eq!(now["owner_id"], json!(next_owner));

        // DM channels take no recipients.
        let (_, dm) = open(&app, &owner, json!({"recipient_id": people[1].1})).await;
        let (status, body) = app.call("PUT", &format!("/channels/{}/recipients/{}", dm["id"].as_str().unwrap(), people[2].1), Some(&bot(&owner)), None).await;
        assert_eq!((status, body["code"].as_i64()), (400, Some(50003)));
    }
}
