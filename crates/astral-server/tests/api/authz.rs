//! The authorization matrix: every operation of the contract, called by every caller class,
//! gets exactly the result written in `MATRIX`, and no answer to someone other than the owner
//! carries the owner's private data. The operation list is read from openapi/astral.json, so an
//! operation without a row (or a row without an operation) fails the test.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicUsize, Ordering};

use futures_util::StreamExt;
use serde_json::{json, Value};

use crate::support::{
    backend_test, bot, check_response_body, contract_properties, contract_required, documented,
    matches_template, TestApp,
};

/// Who calls. "Owner" is the owner of the resource the request is about: the account itself
/// for `@me` routes, the guild's owner, a participant of the DM, the group DM's owner.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Class {
    NoToken,
    /// A token of the owner that was logged out.
    Revoked,
    /// Another user account, related to none of the owner's resources.
    Other,
    /// A bot account, related to none of the owner's resources.
    Bot,
    Owner,
}

const CLASSES: [Class; 5] =
    [Class::NoToken, Class::Revoked, Class::Other, Class::Bot, Class::Owner];

/// The classes also run under `/api/v9` and `/api/v1` (the rest run under `/api/v10` only).
const PREFIX_CLASSES: [Class; 2] = [Class::NoToken, Class::Other];

#[derive(Clone, Copy, Debug)]
enum Want {
    /// A success status.
    Ok(u16),
    /// An error status and its Discord JSON code.
    Err(u16, i64),
}

use Want::{Err as E, Ok as S};

const UNAUTHORIZED: Want = E(401, 0);
const BOTS_REFUSED: Want = E(403, 20001);
const ANYONE: [Want; 5] = [S(200); 5];
const UNKNOWN_MEMBER: Want = E(404, 19001);
const SIGNED_IN: [Want; 5] = [UNAUTHORIZED, UNAUTHORIZED, S(200), S(200), S(200)];

/// operationId → the result for [no token, revoked token, other user, bot, owner].
const MATRIX: &[(&str, [Want; 5])] = &[
    ("get_health", ANYONE),
    ("get_readiness", ANYONE),
    // REST-only: the gateway routes answer the same documented 404 to everyone.
    ("get_gateway", [E(404, 0); 5]),
    ("get_bot_gateway", [E(404, 0); 5]),
    ("register", [S(201); 5]),
    // Credentials in the body decide, not the Authorization header.
    ("login", ANYONE),
    ("logout", [UNAUTHORIZED, UNAUTHORIZED, S(204), S(204), S(204)]),
    ("get_my_user", SIGNED_IN),
    ("update_my_user", SIGNED_IN),
    // A public profile: no token needed, but a token that does not authenticate is 401.
    ("get_user", [S(200), UNAUTHORIZED, S(200), S(200), S(200)]),
    // Others reroll their own short id (each cell on a fresh account); the owner rerolled in
    // the fixture, so within the hour: 403 / 2004.
    ("reroll_my_short_id", [UNAUTHORIZED, UNAUTHORIZED, S(200), S(200), E(403, 2004)]),
    ("reroll_my_short_id_post", [UNAUTHORIZED, UNAUTHORIZED, S(200), S(200), E(403, 2004)]),
    ("get_user_avatar", ANYONE),
    ("get_user_banner", ANYONE),
    ("get_default_avatar", ANYONE),
    ("list_my_relationships", [UNAUTHORIZED, UNAUTHORIZED, S(200), BOTS_REFUSED, S(200)]),
    ("send_friend_request", [UNAUTHORIZED, UNAUTHORIZED, S(204), BOTS_REFUSED, S(204)]),
    ("create_relationship", [UNAUTHORIZED, UNAUTHORIZED, S(204), BOTS_REFUSED, S(204)]),
    // Another user removing "their" relationship with the owner's friend removes nothing.
    ("delete_relationship", [UNAUTHORIZED, UNAUTHORIZED, S(204), BOTS_REFUSED, S(204)]),
    // Another user is not friends with the owner's friend: RELATIONSHIP_NOT_FRIENDS.
    ("update_relationship", [UNAUTHORIZED, UNAUTHORIZED, E(400, 50035), BOTS_REFUSED, S(204)]),
    ("list_my_guilds", SIGNED_IN),
    ("list_my_communities", SIGNED_IN),
    ("get_my_guild_member", [UNAUTHORIZED, UNAUTHORIZED, E(404, 10004), E(404, 10004), S(200)]),
    // The owner of a guild cannot leave it (GUILD_OWNER_CANNOT_LEAVE).
    ("leave_guild", [UNAUTHORIZED, UNAUTHORIZED, E(404, 10004), E(404, 10004), E(400, 50035)]),
    ("leave_community", [UNAUTHORIZED, UNAUTHORIZED, E(404, 10004), E(404, 10004), E(400, 50035)]),
    ("get_user_profile", SIGNED_IN),
    ("create_guild", [UNAUTHORIZED, UNAUTHORIZED, S(201), S(201), S(201)]),
    ("get_guild", [UNAUTHORIZED, UNAUTHORIZED, E(403, 50001), E(403, 50001), S(200)]),
    ("create_guild_invite", [UNAUTHORIZED, UNAUTHORIZED, E(403, 50001), E(403, 50001), S(200)]),
    // The owner adds a bot that is already a member: 204.
    ("add_guild_member", [UNAUTHORIZED, UNAUTHORIZED, E(403, 50013), E(403, 50013), S(204)]),
    // Whoever holds an invite may join (each call gets a fresh guild and invite); bots may not
    // (on Discord a bot joins only when an owner adds it).
    ("accept_invite", [UNAUTHORIZED, UNAUTHORIZED, S(200), BOTS_REFUSED, S(200)]),
    ("list_my_private_channels", SIGNED_IN),
    // Others open their own DM with the owner, never the owner's DM with someone else.
    ("create_dm", SIGNED_IN),
    ("delete_channel", [UNAUTHORIZED, UNAUTHORIZED, E(404, 10003), E(404, 10003), S(200)]),
    // Bots are in no group DM and add nobody (Discord: only with the users' OAuth2 grants).
    ("add_group_dm_recipient", [UNAUTHORIZED, UNAUTHORIZED, E(404, 10003), BOTS_REFUSED, S(204)]),
    // A pronouns.cc feature for people: bots have no flags. Another user's flag is unknown.
    ("list_my_pride_flags", [UNAUTHORIZED, UNAUTHORIZED, S(200), BOTS_REFUSED, S(200)]),
    ("create_pride_flag", [UNAUTHORIZED, UNAUTHORIZED, S(200), BOTS_REFUSED, S(200)]),
    ("update_pride_flag", [UNAUTHORIZED, UNAUTHORIZED, E(404, 10080), BOTS_REFUSED, S(200)]),
    ("delete_pride_flag", [UNAUTHORIZED, UNAUTHORIZED, E(404, 10080), BOTS_REFUSED, S(204)]),
    ("get_pride_flag_image", ANYONE),
    (
        "remove_group_dm_recipient",
        [UNAUTHORIZED, UNAUTHORIZED, E(404, 10003), E(404, 10003), S(204)],
    ),
    // pronouns.cc's members. Bots have none.
    ("create_member", [UNAUTHORIZED, UNAUTHORIZED, S(200), BOTS_REFUSED, S(200)]),
    // Public without a token, but a presented token must be valid. The row asks for the
    // owner's hidden member: found by the owner alone, 404 (not 403) for everyone else.
    ("get_member", [UNKNOWN_MEMBER, UNAUTHORIZED, UNKNOWN_MEMBER, UNKNOWN_MEMBER, S(200)]),
    // Others and bots are refused another user's member as if it did not exist.
    ("update_member", [UNAUTHORIZED, UNAUTHORIZED, UNKNOWN_MEMBER, UNKNOWN_MEMBER, S(200)]),
    ("delete_member", [UNAUTHORIZED, UNAUTHORIZED, UNKNOWN_MEMBER, UNKNOWN_MEMBER, S(204)]),
    // The owner's list: everyone gets it (others without the hidden member).
    ("list_user_members", [S(200), UNAUTHORIZED, S(200), S(200), S(200)]),
    ("get_member_avatar", ANYONE),
    // issue 16 D. Sessions are people's: bots have none. Logging out an unknown hash ends
    // nothing.
    ("list_auth_sessions", [UNAUTHORIZED, UNAUTHORIZED, S(200), BOTS_REFUSED, S(200)]),
    ("logout_auth_sessions", [UNAUTHORIZED, UNAUTHORIZED, S(204), BOTS_REFUSED, S(204)]),
    // Others close a fresh account of their own; the owner owns a guild: 40015 / 40011.
    ("disable_my_account", [UNAUTHORIZED, UNAUTHORIZED, S(204), BOTS_REFUSED, E(400, 40015)]),
    ("delete_my_account", [UNAUTHORIZED, UNAUTHORIZED, S(204), BOTS_REFUSED, E(400, 40011)]),
    // The owner renames the fixture's guild to its name (no change), and deletes a guild of
    // the cell's own; others are not members of the fixture's.
    ("update_guild", [UNAUTHORIZED, UNAUTHORIZED, E(403, 50001), E(403, 50001), S(200)]),
    ("delete_guild", [UNAUTHORIZED, UNAUTHORIZED, E(403, 50001), E(403, 50001), S(204)]),
    // issue 16 C. A ticket naming nothing: 60006 for every person (none has MFA here).
    ("finish_mfa", [UNAUTHORIZED, UNAUTHORIZED, E(400, 60006), BOTS_REFUSED, E(400, 60006)]),
    // issue 16 B. Anonymous: the body decides (a login naming nobody; tokens naming nothing).
    ("forgot_password", ANYONE),
    ("reset_password", [E(400, 50035); 5]),
    ("verify_email", [E(400, 50035); 5]),
    // The owner's address is unverified (mailed again); the other user has none.
    (
        "resend_verification_email",
        [UNAUTHORIZED, UNAUTHORIZED, E(400, 50035), BOTS_REFUSED, S(204)],
    ),
    // Changing needs a verified address: neither the owner nor the other user has one.
    (
        "change_my_email_challenge",
        [UNAUTHORIZED, UNAUTHORIZED, E(400, 50035), BOTS_REFUSED, E(400, 50035)],
    ),
    // No code was mailed: TOKEN_INVALID for people.
    (
        "verify_email_change_code",
        [UNAUTHORIZED, UNAUTHORIZED, E(400, 50035), BOTS_REFUSED, E(400, 50035)],
    ),
    // issue 16 C-e. Others act on a fresh account of their own (enabling it; reading its codes
    // and disabling it with one); the owner has no two-factor authentication: a wrong code
    // (60008), not enabled (60002).
    ("enable_totp", [UNAUTHORIZED, UNAUTHORIZED, S(200), BOTS_REFUSED, E(400, 60008)]),
    ("disable_totp", [UNAUTHORIZED, UNAUTHORIZED, S(200), BOTS_REFUSED, E(400, 60002)]),
    ("get_backup_codes", [UNAUTHORIZED, UNAUTHORIZED, S(200), BOTS_REFUSED, E(400, 60002)]),
    // issue 16 C-l. Anonymous: the ticket decides, whoever sends it (one naming nothing).
    ("verify_mfa_login", [E(400, 60006); 5]),
];

const OWNER_PASSWORD: &str = "owner's own passphrase 9";
const OWNER_EMAIL: &str = "Owner.Private@Example.org";
const OWNER_NICKNAME: &str = "owner-only-nickname";
const HIDDEN_MEMBER_NAME: &str = "owner-only-hidden-member";
const BOT_PASSWORD: &str = "bot login passphrase 4";
const PASSWORD: &str = "correct horse battery";

/// An operation of the contract.
#[derive(Clone, Debug)]
struct Operation {
    id: String,
    method: String,
    template: String,
    /// Served at the root (CDN paths, /healthz, /readyz), not under `/api/v*`.
    root_only: bool,
}

fn contract_operations() -> Vec<Operation> {
    let contract: Value = serde_json::from_str(astral_server::openapi::CONTRACT_JSON).unwrap();
    let mut ops = Vec::new();
    for (path, item) in contract["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            if method == "servers" || method == "parameters" {
                continue;
            }
            ops.push(Operation {
                id: op["operationId"]
                    .as_str()
                    .unwrap_or_else(|| panic!("{method} {path} has no operationId"))
                    .to_owned(),
                method: method.to_uppercase(),
                template: path.clone(),
                root_only: item.get("servers").is_some(),
            });
        }
    }
    ops
}

struct Account {
    token: String,
    id: String,
    name: String,
}

impl Account {
    async fn register(app: &TestApp, name: &str) -> Account {
        let (token, id) = app.register(name).await;
        Account { token, id, name: name.to_owned() }
    }
}

/// The owner with everything private an account can have, and the others around them.
struct Fixture {
    owner: Account,
    revoked: String,
    other: Account,
    bot: Account,
    friend: Account,
    blockee: Account,
    admirer: Account,
    crush: Account,
    spare: Account,
    /// A second friend of the owner: group DMs are among friends.
    pal: Account,
    helper_bot_id: String,
    guild_id: String,
    dm_id: String,
    group_id: String,
    avatar: String,
    banner: String,
    flag_id: String,
    flag_hash: String,
    /// The owner's member everyone may see (with an avatar), and their hidden one.
    member_id: String,
    member_avatar: String,
    hidden_member_id: String,
    counter: AtomicUsize,
}

fn png(shade: u8) -> String {
    crate::support::solid_png_uri([shade, 1, 2, 255])
}

async fn expect(
    app: &TestApp,
    method: &str,
    path: &str,
    token: &str,
    body: Option<Value>,
    status: u16,
) -> Value {
    let (got, answer) = app.call(method, path, Some(token), body).await;
    assert_eq!(got, status, "{method} {path}: {answer}");
    answer
}

impl Fixture {
    async fn build(app: &TestApp) -> Fixture {
        let registration = json!({
            "username": "owner", "password": OWNER_PASSWORD, "email": OWNER_EMAIL,
            "global_name": "The Owner"
        });
        let created = app.expect("POST", "/auth/register", None, Some(registration), 201).await;
        let owner = Account {
            token: created["token"].as_str().unwrap().to_owned(),
            id: created["user_id"].as_str().unwrap().to_owned(),
            name: "owner".into(),
        };
        let me = expect(
            app,
            "PATCH",
            "/users/@me",
            &owner.token,
            Some(json!({"avatar": png(1), "banner": png(2), "locale": "fr"})),
            200,
        )
        .await;
        let flag = expect(
            app,
            "POST",
            "/users/@me/flags",
            &owner.token,
            Some(json!({"flag": png(3), "name": "Owner's flag", "description": "alt"})),
            200,
        )
        .await;
        // The owner's one reroll of the hour: the matrix's own rerolls by the owner are refused,
        // so the owner's short id stays as it was.
        expect(app, "POST", "/users/@me/reroll", &owner.token, None, 200).await;
        let revoked = app.login("owner", OWNER_PASSWORD).await;
        expect(app, "POST", "/auth/logout", &revoked, None, 204).await;

        let other = Account::register(app, "stranger").await;
        let (bot_token, bot_id) = app.create_bot_with_password("matrix-bot", Some(BOT_PASSWORD));
        let bot =
            Account { token: format!("Bot {bot_token}"), id: bot_id, name: "matrix-bot".into() };
        let (_, helper_bot_id) = app.create_bot("helper-bot");
        let friend = Account::register(app, "friend").await;
        let blockee = Account::register(app, "blockee").await;
        let admirer = Account::register(app, "admirer").await;
        let crush = Account::register(app, "crush").await;
        let spare = Account::register(app, "spare").await;
        let pal = Account::register(app, "pal").await;

        // Friends with `friend` (nicknamed) and `pal`, `blockee` blocked, a request from
        // `admirer` and one to `crush`.
        let steps = [
            ("PUT", &friend, &owner, json!({})),
            ("PUT", &owner, &friend, json!({})),
            ("PUT", &pal, &owner, json!({})),
            ("PUT", &owner, &pal, json!({})),
            ("PATCH", &friend, &owner, json!({"nickname": OWNER_NICKNAME})),
            ("PUT", &blockee, &owner, json!({"type": 2})),
            ("PUT", &owner, &admirer, json!({})),
            ("PUT", &crush, &owner, json!({})),
        ];
        for (method, target, caller, body) in steps {
            let path = format!("/users/@me/relationships/{}", target.id);
            expect(app, method, &path, &caller.token, Some(body), 204).await;
        }

        let dm = expect(
            app,
            "POST",
            "/users/@me/channels",
            &owner.token,
            Some(json!({"recipient_id": friend.id})),
            200,
        )
        .await;
        let group = expect(
            app,
            "POST",
            "/users/@me/channels",
            &owner.token,
            Some(json!({"recipients": [friend.id, pal.id]})),
            200,
        )
        .await;
        let guild = expect(
            app,
            "POST",
            "/guilds",
            &owner.token,
            Some(json!({"name": "Owner's Hall"})),
            201,
        )
        .await;
        let guild_id = guild["id"].as_str().unwrap().to_owned();
        expect(
            app,
            "PUT",
            &format!("/guilds/{guild_id}/members/{helper_bot_id}"),
            &owner.token,
            None,
            201,
        )
        .await;
        // The friend is a member too, so the guild has someone besides its owner.
        let invite =
            expect(app, "POST", &format!("/guilds/{guild_id}/invites"), &owner.token, None, 200)
                .await;
        expect(
            app,
            "POST",
            &format!("/invites/{}", invite["code"].as_str().unwrap()),
            &friend.token,
            None,
            200,
        )
        .await;

        let member = expect(
            app,
            "POST",
            "/members",
            &owner.token,
            Some(json!({"name": "Shown", "avatar": png(3), "bio": "everyone sees this one"})),
            200,
        )
        .await;
        let hidden = expect(
            app,
            "POST",
            "/members",
            &owner.token,
            Some(json!({"name": HIDDEN_MEMBER_NAME, "hidden": true})),
            200,
        )
        .await;

        Fixture {
            member_id: member["id"].as_str().unwrap().to_owned(),
            member_avatar: member["avatar"].as_str().unwrap().to_owned(),
            hidden_member_id: hidden["id"].as_str().unwrap().to_owned(),
            avatar: me["avatar"].as_str().unwrap().to_owned(),
            banner: me["banner"].as_str().unwrap().to_owned(),
            flag_id: flag["id"].as_str().unwrap().to_owned(),
            flag_hash: flag["hash"].as_str().unwrap().to_owned(),
            owner,
            revoked,
            other,
            bot,
            friend,
            blockee,
            admirer,
            crush,
            spare,
            pal,
            helper_bot_id,
            guild_id,
            dm_id: dm["id"].as_str().unwrap().to_owned(),
            group_id: group["id"].as_str().unwrap().to_owned(),
            counter: AtomicUsize::new(0),
        }
    }

    fn fresh(&self, prefix: &str) -> String {
        format!("{prefix}{}", self.counter.fetch_add(1, Ordering::Relaxed))
    }

    fn auth(&self, class: Class) -> Option<String> {
        match class {
            Class::NoToken => None,
            Class::Revoked => Some(self.revoked.clone()),
            Class::Other => Some(self.other.token.clone()),
            Class::Bot => Some(self.bot.token.clone()),
            Class::Owner => Some(self.owner.token.clone()),
        }
    }

    /// The caller's own id (the other user's when there is no caller).
    fn caller_id(&self, class: Class) -> &str {
        match class {
            Class::Bot => &self.bot.id,
            Class::Owner => &self.owner.id,
            _ => &self.other.id,
        }
    }

    /// What the owner sees of their own state: none of it may change by others' calls.
    async fn owner_state(&self, app: &TestApp) -> Value {
        let t = Some(self.owner.token.as_str());
        let (_, mut me) = app.call("GET", "/users/@me", t, None).await;
        // The profile's `members` as far as the fixture's go (the owner's cells add members of
        // their own; the fixture's hidden one is never on the profile).
        if let Some(listed) = me["members"].as_array_mut() {
            listed.retain(|m| m["id"] == json!(self.member_id));
        }
        let (_, relationships) = app.call("GET", "/users/@me/relationships", t, None).await;
        let (_, guild) = app.call("GET", &format!("/guilds/{}", self.guild_id), t, None).await;
        let (_, member) =
            app.call("GET", &format!("/users/@me/guilds/{}/member", self.guild_id), t, None).await;
        // The owner's own calls in the matrix open channels of their own; these two are the
        // fixture's, as the owner and as the friend see them.
        let mut channels = Vec::new();
        for token in [t, Some(self.friend.token.as_str())] {
            let (_, list) = app.call("GET", "/users/@me/channels", token, None).await;
            channels.extend(
                list.as_array()
                    .unwrap()
                    .iter()
                    .filter(|c| c["id"] == json!(self.dm_id) || c["id"] == json!(self.group_id))
                    .cloned(),
            );
        }
        // The owner's own calls in the matrix add and delete flags of their own; this one is
        // the fixture's.
        let (_, flags) = app.call("GET", "/users/@me/flags", t, None).await;
        let flag: Vec<Value> = flags
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["id"] == json!(self.flag_id))
            .cloned()
            .collect();
        // The fixture's members (the owner's cells add members of their own after them).
        let members =
            format!("/users/{}/members?before={}", self.owner.id, next_id(&self.hidden_member_id));
        let (_, members) = app.call("GET", &members, t, None).await;
        let (_, shown) = app.call("GET", &format!("/members/{}", self.member_id), t, None).await;
        json!({"me": me, "relationships": relationships, "guild": guild, "member": member, "channels": channels, "members": members, "shown": shown, "flag": flag})
    }
}

/// One request of one cell.
struct Request {
    method: &'static str,
    path: String,
    body: Option<Value>,
    auth: Option<String>,
}

/// The request `class` makes for operation `op`. Calls that change state act on resources made
/// for the cell (a fresh guild, DM or group), so cells can run concurrently and in any order.
async fn request(app: &TestApp, f: &Fixture, op: &str, class: Class) -> Request {
    let auth = f.auth(class);
    let owner = f.owner.token.as_str();
    let r = |method, path: String, body| Request { method, path, body, auth: auth.clone() };
    match op {
        "get_health" => r("GET", "/healthz".into(), None),
        "get_readiness" => r("GET", "/readyz".into(), None),
        "get_gateway" => r("GET", "/gateway".into(), None),
        "get_bot_gateway" => r("GET", "/gateway/bot".into(), None),
        "register" => r("POST", "/auth/register".into(), Some(json!({"username": f.fresh("newcomer"), "password": PASSWORD}))),
        "login" => r("POST", "/auth/login".into(), Some(json!({"login": f.owner.name, "password": OWNER_PASSWORD}))),
        "logout" => {
            // A session of its own, so that logging out leaves the fixture's tokens working.
            let auth = match class {
                Class::NoToken | Class::Revoked => auth.clone(),
                Class::Other => Some(app.login(&f.other.name, PASSWORD).await),
                Class::Bot => Some(format!("Bot {}", app.login(&f.bot.name, BOT_PASSWORD).await)),
                Class::Owner => Some(app.login(&f.owner.name, OWNER_PASSWORD).await),
            };
            Request { method: "POST", path: "/auth/logout".into(), body: None, auth }
        }
        "get_my_user" => r("GET", "/users/@me".into(), None),
        "update_my_user" => r("PATCH", "/users/@me".into(), Some(json!({"locale": "fr"}))),
        "get_user" => r("GET", format!("/users/{}", f.owner.id), None),
        "reroll_my_short_id" | "reroll_my_short_id_post" => {
            // A reroll is allowed once an hour per account: other callers use a fresh account
            // per cell (the same cell runs under three prefixes).
            let auth = match class {
                Class::Other => Some(app.register(&f.fresh("reroller")).await.0),
                Class::Bot => Some(bot(&app.create_bot(&f.fresh("reroll-bot")).0)),
                Class::NoToken | Class::Revoked | Class::Owner => auth.clone(),
            };
            let method = if op == "reroll_my_short_id" { "GET" } else { "POST" };
            Request { method, path: "/users/@me/reroll".into(), body: None, auth }
        }
        "get_user_avatar" => r("GET", format!("/avatars/{}/{}.png", f.owner.id, f.avatar), None),
        "get_user_banner" => r("GET", format!("/banners/{}/{}.png", f.owner.id, f.banner), None),
        "get_default_avatar" => r("GET", "/embed/avatars/0.png".into(), None),
        "list_my_relationships" => r("GET", "/users/@me/relationships".into(), None),
        "send_friend_request" => r("POST", "/users/@me/relationships".into(), Some(json!({"username": f.crush.name}))),
        "create_relationship" => r("PUT", format!("/users/@me/relationships/{}", f.crush.id), Some(json!({}))),
        "delete_relationship" => {
            let target = if class == Class::Owner {
                let path = format!("/users/@me/relationships/{}", f.spare.id);
                expect(app, "PUT", &path, owner, Some(json!({})), 204).await;
                &f.spare.id
            } else {
                &f.friend.id
            };
            r("DELETE", format!("/users/@me/relationships/{target}"), None)
        }
        "update_relationship" => r("PATCH", format!("/users/@me/relationships/{}", f.friend.id), Some(json!({"nickname": OWNER_NICKNAME}))),
        "list_my_guilds" => r("GET", "/users/@me/guilds?with_counts=true".into(), None),
        "list_my_communities" => r("GET", "/users/@me/communities?with_counts=true".into(), None),
        "get_my_guild_member" => r("GET", format!("/users/@me/guilds/{}/member", f.guild_id), None),
        "leave_guild" => r("DELETE", format!("/users/@me/guilds/{}", f.guild_id), None),
        "leave_community" => r("DELETE", format!("/users/@me/communities/{}", f.guild_id), None),
        "get_user_profile" => r(
            "GET",
            format!("/users/{}/profile?with_mutual_guilds=true&with_mutual_friends=true&with_mutual_friends_count=true", f.owner.id),
            None,
        ),
        "create_guild" => r("POST", "/guilds".into(), Some(json!({"name": f.fresh("Guild ")}))),
        "get_guild" => r("GET", format!("/guilds/{}", f.guild_id), None),
        "create_guild_invite" => r("POST", format!("/guilds/{}/invites", f.guild_id), None),
        "add_guild_member" => r("PUT", format!("/guilds/{}/members/{}", f.guild_id, f.helper_bot_id), None),
        "accept_invite" => {
            let guild = expect(app, "POST", "/guilds", owner, Some(json!({"name": f.fresh("Open ")})), 201).await;
            let invite = expect(app, "POST", &format!("/guilds/{}/invites", guild["id"].as_str().unwrap()), owner, None, 200).await;
            r("POST", format!("/invites/{}", invite["code"].as_str().unwrap()), None)
        }
        "list_my_private_channels" => r("GET", "/users/@me/channels".into(), None),
        "create_dm" => {
            let recipient = if class == Class::Owner { &f.friend.id } else { &f.owner.id };
            r("POST", "/users/@me/channels".into(), Some(json!({"recipient_id": recipient})))
        }
        "delete_channel" => {
            let channel = if class == Class::Owner {
                let dm = expect(app, "POST", "/users/@me/channels", owner, Some(json!({"recipient_id": f.crush.id})), 200).await;
                dm["id"].as_str().unwrap().to_owned()
            } else {
                f.dm_id.clone()
            };
            r("DELETE", format!("/channels/{channel}"), None)
        }
        "add_group_dm_recipient" => {
            // Others try to add themselves; the owner re-adds a member (no change).
            let target = if class == Class::Owner { f.friend.id.as_str() } else { f.caller_id(class) };
            r("PUT", format!("/channels/{}/recipients/{target}", f.group_id), None)
        }
        "remove_group_dm_recipient" => {
            let (group, target) = if class == Class::Owner {
                let body = json!({"recipients": [f.friend.id, f.pal.id]});
                let group = expect(app, "POST", "/users/@me/channels", owner, Some(body), 200).await;
                (group["id"].as_str().unwrap().to_owned(), f.pal.id.clone())
            } else {
                (f.group_id.clone(), f.pal.id.clone())
            };
            r("DELETE", format!("/channels/{group}/recipients/{target}"), None)
        }
        "list_my_pride_flags" => r("GET", "/users/@me/flags".into(), None),
        "create_pride_flag" => r("POST", "/users/@me/flags".into(), Some(json!({"flag": png(4), "name": f.fresh("Flag ")}))),
        // The owner renames the fixture's flag to what it is (no change).
        "update_pride_flag" => r("PATCH", format!("/users/@me/flags/{}", f.flag_id), Some(json!({"name": "Owner's flag"}))),
        "delete_pride_flag" => {
            let flag = if class == Class::Owner {
                let made = expect(app, "POST", "/users/@me/flags", owner, Some(json!({"flag": png(5), "name": f.fresh("Doomed ")})), 200).await;
                made["id"].as_str().unwrap().to_owned()
            } else {
                f.flag_id.clone()
            };
            r("DELETE", format!("/users/@me/flags/{flag}"), None)
        }
        "get_pride_flag_image" => r("GET", format!("/flags/{}.webp", f.flag_hash), None),
        "create_member" => r("POST", "/members".into(), Some(json!({"name": f.fresh("Member "), "pronouns": [{"pronouns": "she/her", "status": "favourite"}]}))),
        "get_member" => r("GET", format!("/members/{}", f.hidden_member_id), None),
        "update_member" => {
            // The owner changes a member of the cell's own; others try the fixture's.
            let member = cell_member(app, f, class, "Edited ").await;
            r("PATCH", format!("/members/{member}"), Some(json!({"bio": "changed"})))
        }
        "delete_member" => {
            let member = cell_member(app, f, class, "Doomed ").await;
            r("DELETE", format!("/members/{member}"), None)
        }
        // A page that ends before the cells' own members (ids after the fixture's).
        "list_user_members" => r("GET", format!("/users/{}/members?before={}", f.owner.id, next_id(&f.hidden_member_id)), None),
        "get_member_avatar" => r("GET", format!("/member-avatars/{}/{}.webp", f.member_id, f.member_avatar), None),
        // issue 16 D
        // issue 16 C
        "finish_mfa" => r("POST", "/mfa/finish".into(), Some(json!({"ticket": "nothing", "mfa_type": "totp", "data": "123456"}))),
        "list_auth_sessions" => r("GET", "/auth/sessions".into(), None),
        "logout_auth_sessions" => r("POST", "/auth/sessions/logout".into(), Some(json!({"session_id_hashes": ["AAAAAAAAAAA"]}))),
        "disable_my_account" | "delete_my_account" => {
            let (auth, password) = match class {
                Class::Other => (Some(app.register(&f.fresh("closer")).await.0), PASSWORD),
                Class::Owner => (auth.clone(), OWNER_PASSWORD),
                _ => (auth.clone(), PASSWORD),
            };
            let path = if op == "disable_my_account" { "/users/@me/disable" } else { "/users/@me/delete" };
            Request { method: "POST", path: path.into(), body: Some(json!({"password": password})), auth }
        }
        "update_guild" => r("PATCH", format!("/guilds/{}", f.guild_id), Some(json!({"name": "Owner's Hall"}))),
        "delete_guild" => {
            let guild = if class == Class::Owner {
                let made = expect(app, "POST", "/guilds", owner, Some(json!({"name": f.fresh("Doomed ")})), 201).await;
                made["id"].as_str().unwrap().to_owned()
            } else {
                f.guild_id.clone()
            };
            r("DELETE", format!("/guilds/{guild}"), None)
        }
        // issue 16 B
        "forgot_password" => r("POST", "/auth/forgot".into(), Some(json!({"login": f.fresh("nobody")}))),
        "reset_password" => r("POST", "/auth/reset".into(), Some(json!({"token": "no-such-token", "password": PASSWORD}))),
        "verify_email" => r("POST", "/auth/verify".into(), Some(json!({"token": "no-such-token"}))),
        "resend_verification_email" => r("POST", "/auth/verify/resend".into(), None),
        "change_my_email_challenge" => r("PUT", "/users/@me/email".into(), None),
        "verify_email_change_code" => r("POST", "/users/@me/email/verify-code".into(), Some(json!({"code": "000000"}))),
        // issue 16 C-e
        "enable_totp" | "disable_totp" | "get_backup_codes" => {
            mfa_request(app, f, op, class, auth.clone()).await
        }
        // issue 16 C-l
        "verify_mfa_login" => r("POST", "/auth/mfa/totp".into(), Some(json!({"ticket": "no-such-ticket", "code": "123456"}))),
        other => panic!("the matrix has a row for {other} but no request for it"),
    }
}

/// The id right after `id`: a `before` bound that takes in `id` and what came before it.
/// For the owner, a member of the cell's own, made now (named `prefix` and a fresh number);
/// for the other classes, the fixture's.
async fn cell_member(app: &TestApp, f: &Fixture, class: Class, prefix: &str) -> String {
    if class != Class::Owner {
        return f.member_id.clone();
    }
    let body = json!({"name": f.fresh(prefix)});
    let m = expect(app, "POST", "/members", &f.owner.token, Some(body), 200).await;
    m["id"].as_str().unwrap().to_owned()
}

fn next_id(id: &str) -> u64 {
    id.parse::<u64>().unwrap() + 1
}

/// What no answer to anyone but the owner may contain.
struct Secrets {
    /// Never in any answer, the owner's included.
    always: Vec<(&'static str, String)>,
    /// Not in answers to non-owners, unless the request itself named it.
    owner_only: Vec<(&'static str, String)>,
    /// Keys a user object of the owner may carry only in answers to the owner.
    private_keys: BTreeSet<String>,
}

impl Secrets {
    fn of(f: &Fixture) -> Secrets {
        let secret_part = |token: &str| token.rsplit('.').next().unwrap_or_default().to_owned();
        // Private: what the caller's own account carries beyond what a user with a profile
        // always carries (the self-only `created_at`, `timezone`, `list_private` included).
        let private_keys: BTreeSet<String> = contract_properties("PrivateUserWithProfile")
            .difference(&contract_required("UserWithProfile"))
            .cloned()
            .chain(["phone", "password", "token"].map(String::from))
            .collect();
        assert!(
            [
                "email",
                "verified",
                "created_at",
                "timezone",
                "list_private",
                "is_admin",
                "last_sid_reroll"
            ]
            .iter()
            .all(|key| private_keys.contains(*key)),
            "{private_keys:?}"
        );
        Secrets {
            always: vec![
                ("the owner's password", OWNER_PASSWORD.to_owned()),
                ("the bot's password", BOT_PASSWORD.to_owned()),
                ("the owner's token", secret_part(&f.owner.token)),
                ("the owner's revoked token", secret_part(&f.revoked)),
                ("the other user's token", secret_part(&f.other.token)),
                ("the bot's token", secret_part(&f.bot.token)),
            ],
            owner_only: vec![
                ("the owner's email", OWNER_EMAIL.to_ascii_lowercase()),
                ("the owner's DM", f.dm_id.clone()),
                ("the owner's group DM", f.group_id.clone()),
                ("the owner's guild", f.guild_id.clone()),
                ("the owner's nickname for a friend", OWNER_NICKNAME.to_owned()),
                ("the owner's friend", f.friend.id.clone()),
                ("the user the owner blocked", f.blockee.id.clone()),
                ("the owner's incoming request", f.admirer.id.clone()),
                ("the owner's hidden member", f.hidden_member_id.clone()),
                ("the owner's hidden member's name", HIDDEN_MEMBER_NAME.to_owned()),
            ],
            private_keys,
        }
    }

    fn leaks(
        &self,
        f: &Fixture,
        class: Class,
        request_text: &str,
        text: &str,
        body: &Value,
    ) -> Vec<String> {
        let text = text.to_ascii_lowercase();
        let request_text = request_text.to_ascii_lowercase();
        let mut found: Vec<String> = self
            .always
            .iter()
            .filter(|(_, s)| text.contains(&s.to_ascii_lowercase()))
            .map(|(what, _)| format!("{what} leaked"))
            .collect();
        if class != Class::Owner {
            for (what, s) in &self.owner_only {
                let s = s.to_ascii_lowercase();
                if text.contains(&s) && !request_text.contains(&s) {
                    found.push(format!("{what} leaked"));
                }
            }
            let mut stack = vec![body];
            while let Some(v) = stack.pop() {
                match v {
                    Value::Object(map) => {
                        if map.get("id") == Some(&json!(f.owner.id)) {
                            for key in map.keys().filter(|k| self.private_keys.contains(*k)) {
                                found.push(format!("the owner's private field `{key}` leaked"));
                            }
                        }
                        stack.extend(map.values());
                    }
                    Value::Array(items) => stack.extend(items),
                    _ => {}
                }
            }
        }
        found
    }
}

/// Runs one cell; answers its failures (empty when it got exactly the expected result).
async fn run_cell(
    app: &TestApp,
    f: &Fixture,
    secrets: &Secrets,
    op: &Operation,
    class: Class,
    prefix: &str,
    want: Want,
) -> Vec<String> {
    let req = request(app, f, &op.id, class).await;
    let label = format!("{} {prefix}{} as {class:?}", op.id, req.path);
    let mut failures = Vec::new();
    if req.method != op.method || !matches_template(&req.path, &op.template) {
        failures.push(format!(
            "{label}: the row's request {} {} is not {} {}",
            req.method, req.path, op.method, op.template
        ));
    }
    let body_bytes = req.body.as_ref().map(|b| b.to_string().into_bytes()).unwrap_or_default();
    let content_type = req.body.as_ref().map(|_| "application/json");
    let (status, answer_type, bytes) = app
        .send_raw(req.method, prefix, &req.path, req.auth.as_deref(), content_type, body_bytes)
        .await;
    let text = String::from_utf8_lossy(&bytes).into_owned();
    let json_body: Value = if answer_type.starts_with("application/json") {
        serde_json::from_slice(&bytes).unwrap_or_else(|e| {
            failures.push(format!("{label}: JSON answer does not parse: {e}"));
            Value::Null
        })
    } else {
        Value::Null
    };
    match want {
        Want::Ok(expected) if status != expected => {
            failures.push(format!("{label}: {status} {text}, expected {expected}"))
        }
        Want::Err(expected, code)
            if (status, json_body["code"].as_i64()) != (expected, Some(code)) =>
        {
            failures.push(format!("{label}: {status} {text}, expected {expected} with code {code}"))
        }
        _ => {}
    }
    if status == 401 && json_body != json!({"message": "401: Unauthorized", "code": 0}) {
        failures.push(format!("{label}: 401 body is not Discord's: {text}"));
    }
    if answer_type.starts_with("image/") {
        if !(200..300).contains(&status) {
            failures.push(format!("{label}: an image answered {status}"));
        }
    } else if let Err(e) = check_response_body(&op.method, &op.template, status, &json_body) {
        failures.push(format!("{label}: {e}"));
    }
    let request_text =
        format!("{} {}", req.path, req.body.map(|b| b.to_string()).unwrap_or_default());
    for leak in secrets.leaks(f, class, &request_text, &text, &json_body) {
        failures.push(format!("{label}: {leak}: {text}"));
    }
    failures
}

backend_test!(authorization_matrix_covers_every_operation_and_class);
async fn authorization_matrix_covers_every_operation_and_class(app: TestApp) {
    let ops = contract_operations();
    let rows: BTreeMap<&str, [Want; 5]> = MATRIX.iter().map(|(id, wants)| (*id, *wants)).collect();
    assert_eq!(rows.len(), MATRIX.len(), "an operation has two rows");
    let spec_ids: BTreeSet<&str> = ops.iter().map(|o| o.id.as_str()).collect();
    let missing: Vec<&&str> = spec_ids.iter().filter(|id| !rows.contains_key(**id)).collect();
    assert!(
        missing.is_empty(),
        "operations without a row in the authorization matrix: {missing:?}"
    );
    let unknown: Vec<&&str> = rows.keys().filter(|id| !spec_ids.contains(**id)).collect();
    assert!(unknown.is_empty(), "matrix rows naming no operation of the contract: {unknown:?}");
    // Every expected result is one the contract documents for that operation.
    for op in &ops {
        for (class, want) in CLASSES.iter().zip(rows[op.id.as_str()]) {
            let status = match want {
                Want::Ok(s) | Want::Err(s, _) => s,
            };
            if let Err(e) = documented(&op.method, &op.template, status) {
                panic!("matrix row {} for {class:?}: {e}", op.id);
            }
        }
    }

    let f = Fixture::build(&app).await;
    let secrets = Secrets::of(&f);
    let before = f.owner_state(&app).await;

    let mut cells = Vec::new();
    for op in &ops {
        let wants = rows[op.id.as_str()];
        for (class, want) in CLASSES.iter().zip(wants) {
            let prefixes: Vec<&str> = if op.root_only {
                vec![""]
            } else if PREFIX_CLASSES.contains(class) {
                vec!["/api/v10", "/api/v9", "/api/v1"]
            } else {
                vec!["/api/v10"]
            };
            for prefix in prefixes {
                cells.push((op, *class, prefix, want));
            }
        }
    }
    let requests = cells.len();
    let failures: Vec<String> = futures_util::stream::iter(cells)
        .map(|(op, class, prefix, want)| run_cell(&app, &f, &secrets, op, class, prefix, want))
        .buffer_unordered(6)
        .flat_map(futures_util::stream::iter)
        .collect()
        .await;
    assert!(
        failures.is_empty(),
        "{} of {requests} matrix requests failed:\n{}",
        failures.len(),
        failures.join("\n")
    );

    // Nothing anyone else did changed what the owner has.
    let after = f.owner_state(&app).await;
    assert_eq!(before, after, "the owner's state changed");
    println!(
        "authorization matrix: {} operations x {} classes = {} cells; {requests} requests with the /api/v9 and /api/v1 repeats",
        ops.len(),
        CLASSES.len(),
        ops.len() * CLASSES.len()
    );
}

#[test]
fn path_templates_match_only_their_instances() {
    assert!(matches_template("/users/123/profile?x=1", "/users/{user_id}/profile"));
    assert!(matches_template("/users/@me", "/users/@me"));
    assert!(!matches_template("/users/@me/guilds", "/users/{user_id}"));
    assert!(!matches_template("/users/1", "/users/{user_id}/profile"));
}

// issue 16 C-e
const MFA_SECRET: &str = "JBSWY3DPEHPK3PXP";

/// The request of a two-factor operation: for the other user, on a fresh account of theirs
/// (with TOTP on, but for enabling); for the owner, on their own account (TOTP off).
async fn mfa_request(
    app: &TestApp,
    f: &Fixture,
    op: &str,
    class: Class,
    mut auth: Option<String>,
) -> Request {
    use astral_server::mfa::{code_at, read_secret};
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap();
    let code = code_at(&read_secret(MFA_SECRET).unwrap(), now.as_secs());
    let wrong = format!("{:06}", (code.parse::<u32>().unwrap() + 1) % 1_000_000);
    let password = if class == Class::Owner { OWNER_PASSWORD } else { PASSWORD };
    let mut backup = None;
    if class == Class::Other {
        let (token, _) = app.register(&f.fresh("twofactor")).await;
        auth = Some(token.clone());
        if op != "enable_totp" {
            let body = json!({"password": PASSWORD, "secret": MFA_SECRET, "code": code});
            let path = "/users/@me/mfa/totp/enable";
            let enabled = expect(app, "POST", path, &token, Some(body), 200).await;
            auth = enabled["token"].as_str().map(str::to_owned);
            backup = enabled["backup_codes"][0]["code"].as_str().map(str::to_owned);
        }
    }
    let (path, body) = match op {
        "enable_totp" => {
            let code = if class == Class::Owner { wrong } else { code };
            let body = json!({"password": password, "secret": MFA_SECRET, "code": code});
            ("/users/@me/mfa/totp/enable", body)
        }
        "disable_totp" => ("/users/@me/mfa/totp/disable", json!({"code": backup.unwrap_or(wrong)})),
        _ => ("/users/@me/mfa/codes-verification", json!({"password": password})),
    };
    Request { method: "POST", path: path.into(), body: Some(body), auth }
}
