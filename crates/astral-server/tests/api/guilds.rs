//! Guilds as the users resource needs them: creation, invites, bots added by the owner,
//! Discord's paginated guild list, leaving, the member object, and the user profile.

use serde_json::json;

use crate::support::{
    assert_documented, assert_matches_contract, assert_matches_discord, backend_test, bot, TestApp,
};

async fn new_guild(app: &TestApp, token: &str, name: &str) -> String {
    let guild =
        app.expect("POST", "/guilds", Some(&bot(token)), Some(json!({"name": name})), 201).await;
    assert_matches_contract("Guild", &guild);
    guild["id"].as_str().unwrap().to_owned()
}

async fn join(app: &TestApp, owner: &str, guild: &str, joiner: &str) {
    let (_, invite) =
        app.call("POST", &format!("/guilds/{guild}/invites"), Some(&bot(owner)), None).await;
    let code = invite["code"].as_str().unwrap();
    app.expect("POST", &format!("/invites/{code}"), Some(&bot(joiner)), None, 200).await;
}

async fn my_guild_names(app: &TestApp, token: &str, query: &str) -> Vec<String> {
    let list =
        app.expect("GET", &format!("/users/@me/guilds{query}"), Some(&bot(token)), None, 200).await;
    list.as_array().unwrap().iter().map(|g| g["name"].as_str().unwrap().to_owned()).collect()
}

backend_test!(create_invite_join_get);
async fn create_invite_join_get(app: TestApp) {
    let [(owner, owner_id), (guest, _), (stranger, _)] =
        app.register_all(["owner", "guest", "stranger"]).await;
    let id = new_guild(&app, &owner, "Hall").await;

    let (status, guild) = app.call("GET", &format!("/guilds/{id}"), Some(&bot(&owner)), None).await;
    assert_eq!(
        (status, guild["owner_id"].as_str(), guild["approximate_member_count"].as_i64()),
        (200, Some(owner_id.as_str()), Some(1))
    );
    // Not a member yet: Missing Access; unknown guilds: Unknown Guild.
    for (path, status, code) in [
        (format!("/guilds/{id}"), 403, 50001),
        ("/guilds/1".to_owned(), 404, 10004),
        ("/guilds/x".to_owned(), 404, 10004),
        (format!("/guilds/{id}/invites"), 403, 50001),
    ] {
        let method = if path.ends_with("/invites") { "POST" } else { "GET" };
        app.refusal(method, &path, Some(&bot(&guest)), None, (status, code)).await;
    }

    // Through the generated client: invite, accept.
    let invite =
        app.client(Some(&bot(&owner))).create_guild_invite(&id).await.unwrap().into_inner();
    let joined =
        app.client(Some(&bot(&guest))).accept_invite(&invite.code).await.unwrap().into_inner();
    assert_eq!(joined.guild_id.to_string(), id);
    // Accepting twice, even at once, makes one membership.
    let (a, b) = futures_util::future::join(
        app.call("POST", &format!("/invites/{}", invite.code), Some(&bot(&guest)), None),
        app.call("POST", &format!("/invites/{}", invite.code), Some(&bot(&guest)), None),
    )
    .await;
    assert_eq!((a.0, b.0), (200, 200));
    let (_, guild) = app.call("GET", &format!("/guilds/{id}"), Some(&bot(&guest)), None).await;
    assert_eq!(guild["approximate_member_count"], 2);
    let (status, body) = app.call("POST", "/invites/nope", Some(&bot(&stranger)), None).await;
    assert_eq!((status, body), (404, json!({"code": 10006, "message": "Unknown Invite"})));
    // A bot holding the invite cannot join with it (it joins when the owner adds it).
    let (bot_token, _) = app.create_bot("invited-bot");
    let (status, body) =
        app.call("POST", &format!("/invites/{}", invite.code), Some(&bot(&bot_token)), None).await;
    assert_eq!(
        (status, &body),
        (403, &json!({"code": 20001, "message": "Bots cannot use this endpoint"}))
    );
    assert_documented("POST", "/invites/{code}", status, &body);
    let (_, guild) = app.call("GET", &format!("/guilds/{id}"), Some(&bot(&guest)), None).await;
    assert_eq!(guild["approximate_member_count"], 2, "the bot did not join");

    // Name rules.
    let (status, body) =
        app.call("POST", "/guilds", Some(&bot(&owner)), Some(json!({"name": "x"}))).await;
    assert_eq!(
        (status, body["errors"]["name"]["_errors"][0]["code"].as_str()),
        (400, Some("BASE_TYPE_BAD_LENGTH"))
    );
}

backend_test!(owners_add_bots_only);
async fn owners_add_bots_only(app: TestApp) {
    let [(owner, _), (member, member_id)] = app.register_all(["keeper", "person"]).await;
    let (_, bot_id) = app.create_bot("helper-bot");
    let id = new_guild(&app, &owner, "Workshop").await;
    join(&app, &owner, &id, &member).await;

    let path = format!("/guilds/{id}/members/{bot_id}");
    let added = app.expect("PUT", &path, Some(&bot(&owner)), Some(json!({})), 201).await;
    assert_matches_discord("PrivateGuildMemberResponse", &added);
    assert_eq!(added["user"]["id"], json!(bot_id));
    let (status, _) = app.call("PUT", &path, Some(&bot(&owner)), None).await;
    assert_eq!(status, 204);
    // The generated client sees both successes with their status.
    let again = app.client(Some(&bot(&owner))).add_guild_member(&id, &bot_id).await.unwrap();
    assert_eq!(again.status().as_u16(), 204);

    for (who, target, status, code) in [
        (&owner, member_id.as_str(), 403, 50013),
        (&member, bot_id.as_str(), 403, 50013),
        (&owner, "1", 404, 10013),
    ] {
        let path = format!("/guilds/{id}/members/{target}");
        app.refusal("PUT", &path, Some(&bot(who)), None, (status, code)).await;
    }
    app.as_user(&owner).put(format!("/guilds/1/members/{bot_id}")).refusal(404, 10004).await;
}

backend_test!(guild_list_pages_by_id);
async fn guild_list_pages_by_id(app: TestApp) {
    let (owner, _) = app.register("collector").await;
    let mut ids = Vec::new();
    for n in 0..5 {
        ids.push(new_guild(&app, &owner, &format!("G{n}")).await);
    }
    assert_eq!(my_guild_names(&app, &owner, "").await, vec!["G0", "G1", "G2", "G3", "G4"]);
    assert_eq!(my_guild_names(&app, &owner, "?limit=2").await, vec!["G0", "G1"]);
    assert_eq!(
        my_guild_names(&app, &owner, &format!("?limit=2&after={}", ids[1])).await,
        vec!["G2", "G3"]
    );
    assert_eq!(
        my_guild_names(&app, &owner, &format!("?limit=2&before={}", ids[3])).await,
        vec!["G1", "G2"]
    );
    assert_eq!(
        my_guild_names(&app, &owner, &format!("?after={}", ids[4])).await,
        Vec::<String>::new()
    );
    // Saryno's communities are the same list.
    let (_, communities) =
        app.call("GET", "/users/@me/communities?limit=2", Some(&bot(&owner)), None).await;
    let (_, guilds) = app.call("GET", "/users/@me/guilds?limit=2", Some(&bot(&owner)), None).await;
    assert_eq!(communities, guilds);

    for with in ["true", "1", "True"] {
        let (_, list) =
            app.as_user(&owner).get(format!("/users/@me/guilds?with_counts={with}")).call().await;
        for g in list.as_array().unwrap() {
            assert_matches_discord("MyGuildResponse", g);
            assert_matches_contract("MyGuild", g);
            assert_eq!(
                (g["approximate_member_count"].as_i64(), g["approximate_presence_count"].as_i64()),
                (Some(1), Some(0))
            );
            assert_eq!(
                (g["owner"].as_bool(), g["permissions"].as_str()),
                (Some(true), Some("2251799813685247"))
            );
        }
    }
    for with in ["false", "0"] {
        let (_, list) =
            app.as_user(&owner).get(format!("/users/@me/guilds?with_counts={with}")).call().await;
        assert!(list[0].get("approximate_member_count").is_none());
    }
    for bad in ["limit=0", "limit=201", "limit=x", "with_counts=yes", "after=abc", "before=-1"] {
        app.as_user(&owner).get(format!("/users/@me/guilds?{bad}")).refusal(400, 50035).await;
    }
    // A bound the snowflake pattern allows but no stored id can reach (beyond i64) lies past
    // every id: everything is before it, nothing after it.
    for (bound, expected) in [("before=99999999999999999999", 5), ("after=9223372036854775808", 0)]
    {
        let (status, list) =
            app.call("GET", &format!("/users/@me/guilds?{bound}"), Some(&bot(&owner)), None).await;
        assert_eq!((status, list.as_array().map(Vec::len)), (200, Some(expected)), "{bound}");
        assert_documented("GET", "/users/@me/guilds", status, &list);
    }
    // Through the generated client, with its own paging parameters.
    let before: astral_client::types::Snowflake = ids[2].parse().unwrap();
    let page = app
        .client(Some(&bot(&owner)))
        .list_my_guilds(Some(&before), None, std::num::NonZeroU32::new(3), Some(true))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(page.iter().map(|g| g.name.as_str()).collect::<Vec<_>>(), vec!["G3", "G4"]);
}

backend_test!(members_leave_owners_cannot);
async fn members_leave_owners_cannot(app: TestApp) {
    let [(owner, _), (member, _)] = app.register_all(["founder", "visitor"]).await;
    let (bot_token, bot_id) = app.create_bot("leaving-bot");
    let id = new_guild(&app, &owner, "Club").await;
    let other = new_guild(&app, &owner, "Other").await;
    join(&app, &owner, &id, &member).await;
    join(&app, &owner, &other, &member).await;
    app.call("PUT", &format!("/guilds/{id}/members/{bot_id}"), Some(&bot(&owner)), None).await;

    let (status, me) =
        app.call("GET", &format!("/users/@me/guilds/{id}/member"), Some(&bot(&member)), None).await;
    assert_eq!(status, 200);
    assert_matches_discord("PrivateGuildMemberResponse", &me);
    assert_eq!(me["permissions"], "104324673");

    // The bot lists and leaves its guild, as a Discord bot would.
    assert_eq!(my_guild_names(&app, &bot_token, "").await, vec!["Club"]);
    let left = app.client(Some(&bot(&bot_token))).leave_guild(&id).await.unwrap();
    assert_eq!(left.status().as_u16(), 204);
    assert!(my_guild_names(&app, &bot_token, "").await.is_empty());

    // Saryno's alias, then the errors.
    assert_eq!(
        app.call("DELETE", &format!("/users/@me/communities/{other}"), Some(&bot(&member)), None)
            .await
            .0,
        204
    );
    assert_eq!(my_guild_names(&app, &member, "").await, vec!["Club"]);
    app.as_user(&member).delete(format!("/users/@me/guilds/{other}")).refusal(404, 10004).await;
    let (status, body) =
        app.call("DELETE", &format!("/users/@me/guilds/{id}"), Some(&bot(&owner)), None).await;
    assert_eq!(
        (status, body["errors"]["_errors"][0]["code"].as_str()),
        (400, Some("GUILD_OWNER_CANNOT_LEAVE"))
    );
    assert_documented("DELETE", "/users/@me/guilds/{guild_id}", status, &body);
    app.as_user(&member).get(format!("/users/@me/guilds/{other}/member")).refusal(404, 10004).await;
}

backend_test!(profiles_show_what_is_shared);
async fn profiles_show_what_is_shared(app: TestApp) {
    let [(a, a_id), (b, b_id), (c, c_id)] = app.register_all(["pam", "quinn", "rory"]).await;
    let g = new_guild(&app, &a, "Shared").await;
    join(&app, &a, &g, &b).await;
    // c is a friend of both a and b.
    for (x, y_id) in [(&a, &c_id), (&b, &c_id)] {
        app.as_user(x).put(format!("/users/@me/relationships/{y_id}")).json(json!({})).call().await;
    }
    for x_id in [&a_id, &b_id] {
        app.as_user(&c)
            .put(format!("/users/@me/relationships/{x_id}"))
            .json(json!({}))
            .call()
            .await;
    }
    let query = "?with_mutual_guilds=true&with_mutual_friends=1&with_mutual_friends_count=true";
    let profile = app.as_user(&a).get(format!("/users/{b_id}/profile{query}")).expect(200).await;
    assert_matches_contract("UserProfile", &profile);
    assert_matches_discord("UserResponse", &profile["user"]);
    assert_eq!(profile["mutual_guilds"], json!([{"id": g, "nick": null}]));
    assert_eq!(profile["mutual_friends"][0]["id"], json!(c_id));
    assert_eq!(profile["mutual_friends_count"], 1);
    let (_, plain) = app.call("GET", &format!("/users/{b_id}/profile"), Some(&bot(&a)), None).await;
    // Without the query: the user and Discord's user_profile (its bio), nothing shared.
    assert_eq!(plain.as_object().unwrap().keys().collect::<Vec<_>>(), vec!["user", "user_profile"]);
    // b blocks a: a sees only the user (with their public profile).
    app.block(&b, &a_id).await;
    let (_, blocked) =
        app.call("GET", &format!("/users/{b_id}/profile{query}"), Some(&bot(&a)), None).await;
    assert_eq!(
        blocked.as_object().unwrap().keys().collect::<Vec<_>>(),
        vec!["user", "user_profile"]
    );
    app.refusal("GET", "/users/1/profile", Some(&bot(&a)), None, (404, 10013)).await;
}

/// A new guild of `owner` and an invite code to it.
async fn guild_with_invite(app: &TestApp, owner: &str, name: &str) -> String {
    let id = new_guild(app, owner, name).await;
    let invite =
        app.expect("POST", &format!("/guilds/{id}/invites"), Some(&bot(owner)), None, 200).await;
    invite["code"].as_str().unwrap().to_owned()
}

// Per-user caps: Discord's 100 guilds (30001), counted over created and joined guilds alike.
backend_test!(guild_cap_is_one_hundred);
async fn guild_cap_is_one_hundred(app: TestApp) {
    let [(me, _), (host, _)] = app.register_all(["collector", "host"]).await;
    let over = json!({"code": 30001, "message": "Maximum number of guilds reached (100)"});
    for n in 0..99 {
        new_guild(&app, &me, &format!("Mine {n}")).await;
    }
    // The hundredth, by invite: fine.
    let first = guild_with_invite(&app, &host, "Host 0").await;
    app.expect("POST", &format!("/invites/{first}"), Some(&bot(&me)), None, 200).await;
    assert_eq!(my_guild_names(&app, &me, "").await.len(), 100);
    // One past: neither created nor joined.
    let (status, body) =
        app.call("POST", "/guilds", Some(&bot(&me)), Some(json!({"name": "One too many"}))).await;
    assert_eq!((status, &body), (400, &over));
    assert_documented("POST", "/guilds", status, &body);
    let second = guild_with_invite(&app, &host, "Host 1").await;
    let (status, body) =
        app.call("POST", &format!("/invites/{second}"), Some(&bot(&me)), None).await;
    assert_eq!((status, &body), (400, &over));
    assert_documented("POST", "/invites/{code}", status, &body);
    // Accepting an invite to a guild one is in changes nothing, at the cap too.
    app.expect("POST", &format!("/invites/{first}"), Some(&bot(&me)), None, 200).await;
    assert_eq!(my_guild_names(&app, &me, "").await.len(), 100);
    // Leaving one makes room for one.
    let guilds = app.expect("GET", "/users/@me/guilds", Some(&bot(&me)), None, 200).await;
    let joined = guilds.as_array().unwrap().iter().find(|g| g["name"] == "Host 0").unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        app.call("DELETE", &format!("/users/@me/guilds/{joined}"), Some(&bot(&me)), None).await.0,
        204
    );
    app.expect("POST", &format!("/invites/{second}"), Some(&bot(&me)), None, 200).await;
    let (status, body) =
        app.call("POST", "/guilds", Some(&bot(&me)), Some(json!({"name": "Still too many"}))).await;
    assert_eq!((status, &body), (400, &over));
}

backend_test!(concurrent_joins_at_the_guild_cap_make_exactly_one);
async fn concurrent_joins_at_the_guild_cap_make_exactly_one(app: TestApp) {
    const RACERS: usize = 8;
    let [(me, _), (host, _)] = app.register_all(["joiner", "race-host"]).await;
    for n in 0..99 {
        new_guild(&app, &me, &format!("Own {n}")).await;
    }
    let mut codes = Vec::new();
    for n in 0..RACERS {
        codes.push(guild_with_invite(&app, &host, &format!("Race {n}")).await);
    }
    // Eight invites accepted at the same moment, and a guild created with them: room for one.
    let token = bot(&me);
    let app = &app;
    let joins = futures_util::future::join_all(codes.iter().map(|code| {
        let path = format!("/invites/{code}");
        let token = token.clone();
        async move { app.call("POST", &path, Some(&token), None).await }
    }));
    let create = app.call("POST", "/guilds", Some(&token), Some(json!({"name": "Racing"})));
    let (mut answers, created) = futures_util::future::join(joins, create).await;
    answers.push(created);
    let succeeded = answers.iter().filter(|(status, _)| *status == 200 || *status == 201).count();
    for (status, body) in &answers {
        assert!(
            matches!(*status, 200 | 201) || (*status, body["code"].as_i64()) == (400, Some(30001)),
            "{status} {body}"
        );
    }
    assert_eq!(succeeded, 1, "{answers:?}");
    assert_eq!(my_guild_names(app, &me, "").await.len(), 100);
}

backend_test!(invite_cap_is_one_thousand_per_guild);
async fn invite_cap_is_one_thousand_per_guild(app: TestApp) {
    let (owner, _) = app.register("inviter").await;
    let id = new_guild(&app, &owner, "Popular").await;
    let path = format!("/guilds/{id}/invites");
    for _ in 0..1000 {
        app.expect("POST", &path, Some(&bot(&owner)), None, 200).await;
    }
    let (status, body) = app.call("POST", &path, Some(&bot(&owner)), None).await;
    assert_eq!(
        (status, body),
        (400, json!({"code": 30016, "message": "Maximum number of invites reached (1000)"}))
    );
    // Per guild: another guild of the same owner still gets invites.
    guild_with_invite(&app, &owner, "Quiet").await;
}

// issue 16 D: the owner renames, transfers and deletes a guild.
backend_test!(only_the_owner_modifies_or_deletes_a_guild);
async fn only_the_owner_modifies_or_deletes_a_guild(app: TestApp) {
    let [(owner, _), (member, member_id), (outsider, outsider_id)] =
        app.register_all(["ruler", "subject", "outsider"]).await;
    let (helper_bot, helper_bot_id) = app.create_bot("helper-bot");
    let guild = new_guild(&app, &owner, "Realm").await;
    join(&app, &owner, &guild, &member).await;
    app.expect(
        "PUT",
        &format!("/guilds/{guild}/members/{helper_bot_id}"),
        Some(&bot(&owner)),
        None,
        201,
    )
    .await;
    let path = format!("/guilds/{guild}");
    // Refusals: a member who is not the owner, someone who is not a member, an unknown guild.
    for (token, want) in
        [(&member, (403, 50013)), (&outsider, (403, 50001)), (&helper_bot, (403, 50013))]
    {
        app.as_user(token).patch(&path).json(json!({"name": "Mine"})).refusal(want.0, want.1).await;
        app.as_user(token).delete(&path).refusal(want.0, want.1).await;
    }
    for unknown in ["/guilds/1", "/guilds/not-a-guild"] {
        app.as_user(&owner).patch(unknown).json(json!({"name": "Gone"})).refusal(404, 10004).await;
        app.as_user(&owner).delete(unknown).refusal(404, 10004).await;
    }
    // Bad transfers: a non-member, a bot member, nobody; bad names.
    for (body, field) in [
        (json!({"owner_id": outsider_id}), "owner_id"),
        (json!({"owner_id": helper_bot_id}), "owner_id"),
        (json!({"owner_id": "1"}), "owner_id"),
        (json!({"owner_id": "not an id"}), "owner_id"),
        (json!({"owner_id": null}), "owner_id"),
        (json!({"name": "x"}), "name"),
    ] {
        let refused = app.as_user(&owner).patch(&path).json(body).refusal(400, 50035).await;
        assert!(refused["errors"][field].is_object(), "{refused}");
    }
    // A rename, then a transfer: the old owner is refused from then on.
    let renamed =
        app.as_user(&owner).patch(&path).json(json!({"name": "Kingdom"})).expect(200).await;
    assert_matches_contract("Guild", &renamed);
    assert_eq!(renamed["name"], "Kingdom");
    let moved =
        app.as_user(&owner).patch(&path).json(json!({"owner_id": member_id})).expect(200).await;
    assert_eq!(
        (moved["owner_id"].clone(), moved["name"].clone()),
        (json!(member_id), json!("Kingdom"))
    );
    app.as_user(&owner).delete(&path).refusal(403, 50013).await;
    // The new owner deletes it: gone for everyone, with its invites.
    app.as_user(&member).delete(&path).expect(204).await;
    app.as_user(&member).get(&path).refusal(404, 10004).await;
    assert!(my_guild_names(&app, &owner, "").await.is_empty());
}
