//! The account lifecycle (issue 16 D): disabling, deleting after a grace period, restoring
//! with `undelete`, an administrator's suspension winning over both, and the purge.

use std::time::{SystemTime, UNIX_EPOCH};

use astral_ratelimit::ManualClock;
use serde_json::{json, Value};

use crate::support::{astral, backend_db_test, backend_test, TestApp, TestDb, TestOptions};

const PASSWORD: &str = "correct horse battery";

fn password() -> Value {
    json!({"password": PASSWORD})
}

async fn login_with(app: &TestApp, name: &str, undelete: bool) -> (u16, Value) {
    let body = json!({"login": name, "password": PASSWORD, "undelete": undelete});
    app.call("POST", "/auth/login", None, Some(body)).await
}

backend_test!(disabling_needs_the_password_and_revokes_every_token);
async fn disabling_needs_the_password_and_revokes_every_token(app: TestApp) {
    let (first, _) = app.register("quitter").await;
    let second = app.login("quitter", PASSWORD).await;
    let me = app.as_user(&first);
    let missing = me.post("/users/@me/disable").json(json!({})).refusal(400, 50035).await;
    assert_eq!(missing["errors"]["password"]["_errors"][0]["code"], "BASE_TYPE_REQUIRED");
    let wrong = me
        .post("/users/@me/disable")
        .json(json!({"password": "not the password"}))
        .refusal(400, 50035)
        .await;
    assert_eq!(wrong["errors"]["password"]["_errors"][0]["code"], "PASSWORD_DOES_NOT_MATCH");
    app.as_user(&second).get("/users/@me").expect(200).await;
    me.post("/users/@me/disable").json(password()).expect(204).await;
    for token in [&first, &second] {
        app.as_user(token).get("/users/@me").refusal(401, 0).await;
    }
    // Said only after the right password: a wrong one is refused as for anyone.
    let (status, wrong) = app.try_login("quitter", "not the password").await;
    assert_eq!((status, wrong["code"].as_i64()), (400, Some(50035)));
    app.refusal(
        "POST",
        "/auth/login",
        None,
        Some(json!({"login": "quitter", "password": PASSWORD})),
        (400, 20013),
    )
    .await;
    let (status, _) = login_with(&app, "quitter", false).await;
    assert_eq!(status, 400);
    // `undelete` is a boolean: null is refused, not read as false.
    let body = json!({"login": "quitter", "password": PASSWORD, "undelete": null});
    let answer = app.anonymous().post("/auth/login").json(body).field_error("undelete").await;
    assert_eq!(answer, "BASE_TYPE_REQUIRED");
    // `undelete` restores it.
    let (status, restored) = login_with(&app, "quitter", true).await;
    assert_eq!(status, 200, "{restored}");
    let token = restored["token"].as_str().unwrap();
    app.as_user(token).get("/users/@me").expect(200).await;
    app.login("quitter", PASSWORD).await;
}

backend_test!(deleting_schedules_and_undelete_restores);
async fn deleting_schedules_and_undelete_restores(app: TestApp) {
    let (token, id) = app.register("leaving").await;
    app.as_user(&token).post("/users/@me/delete").json(password()).expect(204).await;
    app.as_user(&token).get("/users/@me").refusal(401, 0).await;
    let state = app.store().lifecycle(id.parse().unwrap()).unwrap().unwrap();
    let due = state.deletion_due_ms.unwrap() - state.disabled_ms.unwrap();
    assert_eq!(due, 336 * 3_600_000);
    let refused = app
        .refusal(
            "POST",
            "/auth/login",
            None,
            Some(json!({"login": "leaving", "password": PASSWORD})),
            (400, 20011),
        )
        .await;
    assert_eq!(refused["message"], "This account is scheduled for deletion.");
    let (status, _) = login_with(&app, "leaving", true).await;
    assert_eq!(status, 200);
    assert_eq!(app.store().lifecycle(id.parse().unwrap()).unwrap(), None);
    app.login("leaving", PASSWORD).await;
}

backend_test!(owners_transfer_their_guilds_before_leaving);
async fn owners_transfer_their_guilds_before_leaving(app: TestApp) {
    let [(owner, _), (heir, heir_id)] = app.register_all(["founder", "heir"]).await;
    let guild =
        app.as_user(&owner).post("/guilds").json(json!({"name": "Heritage"})).expect(201).await;
    let guild_id = guild["id"].as_str().unwrap();
    let refused =
        app.as_user(&owner).post("/users/@me/disable").json(password()).refusal(400, 40015).await;
    assert_eq!(
        refused["message"],
        "You must transfer ownership of any owned guilds before disabling your account."
    );
    app.as_user(&owner).post("/users/@me/delete").json(password()).refusal(400, 40011).await;
    // Still working: the refusal changed nothing.
    app.as_user(&owner).get("/users/@me").expect(200).await;
    let invite = app.as_user(&owner).post(format!("/guilds/{guild_id}/invites")).expect(200).await;
    app.as_user(&heir)
        .post(format!("/invites/{}", invite["code"].as_str().unwrap()))
        .expect(200)
        .await;
    let moved = app
        .as_user(&owner)
        .patch(format!("/guilds/{guild_id}"))
        .json(json!({"owner_id": heir_id}))
        .expect(200)
        .await;
    assert_eq!(moved["owner_id"], json!(heir_id));
    app.as_user(&owner).post("/users/@me/delete").json(password()).expect(204).await;
    // A disabled or deleting member cannot be handed a guild.
    let back = app
        .as_user(&heir)
        .patch(format!("/guilds/{guild_id}"))
        .json(json!({"owner_id": moved["id"].clone()}))
        .call()
        .await;
    assert_eq!(back.0, 400);
}

backend_test!(a_suspension_wins_over_undelete);
async fn a_suspension_wins_over_undelete(app: TestApp) {
    let (token, id) = app.register("suspect").await;
    app.as_user(&token).post("/users/@me/delete").json(password()).expect(204).await;
    let store = app.store();
    store.suspend_user(id.parse().unwrap(), 0, Some("review")).unwrap();
    let (status, body) = login_with(&app, "suspect", true).await;
    assert_eq!((status, body["code"].as_i64()), (403, Some(20013)), "{body}");
    // `undelete` did not act: still scheduled.
    assert!(store.lifecycle(id.parse().unwrap()).unwrap().unwrap().deletion_due_ms.is_some());
    store.unsuspend_user(id.parse().unwrap()).unwrap();
    let (status, body) = login_with(&app, "suspect", false).await;
    assert_eq!((status, body["code"].as_i64()), (400, Some(20011)));
}

backend_test!(bots_neither_disable_nor_delete);
async fn bots_neither_disable_nor_delete(app: TestApp) {
    let (bot, _) = app.create_bot("steadfast-bot");
    for path in ["/users/@me/disable", "/users/@me/delete"] {
        app.as_user(&bot).post(path).json(json!({"password": "x"})).refusal(403, 20001).await;
    }
    app.as_user(&bot).get("/users/@me").expect(200).await;
}

/// Friends `leaver` and `stayer` (and `third`), a 1:1 DM between the first two and a group DM
/// of all three owned by `leaver`; `leaver` deletes their account.
struct Departure {
    stayer: String,
    third: String,
    leaver_id: String,
    dm_id: String,
    group_id: String,
}

async fn depart(app: &TestApp) -> Departure {
    let [(leaver, leaver_id), (stayer, stayer_id), (third, third_id)] =
        app.register_all(["leaver", "stayer", "third"]).await;
    for (a, b_id, b, a_id) in
        [(&leaver, &stayer_id, &stayer, &leaver_id), (&leaver, &third_id, &third, &leaver_id)]
    {
        app.as_user(a)
            .put(format!("/users/@me/relationships/{b_id}"))
            .json(json!({}))
            .expect(204)
            .await;
        app.as_user(b)
            .put(format!("/users/@me/relationships/{a_id}"))
            .json(json!({}))
            .expect(204)
            .await;
    }
    let me = app.as_user(&leaver);
    me.patch("/users/@me")
        .json(json!({
            "bio": "gone soon",
            "avatar": crate::support::solid_png_uri([9, 9, 9, 255]),
            "pronouns": "she/her",
            "used_mobile_client": true,
            "email": "leaver@example.com",
            "password": PASSWORD,
        }))
        .expect(200)
        .await;
    let dm =
        me.post("/users/@me/channels").json(json!({"recipient_id": stayer_id})).expect(200).await;
    let group = me
        .post("/users/@me/channels")
        .json(json!({"recipients": [stayer_id, third_id]}))
        .expect(200)
        .await;
    // The address's verification mail is sent after the answer: wait for it, so the purge
    // below meets it in the outbox.
    for _ in 0..100 {
        if !app.store().outbox(app.state.now_ms(), false).unwrap().is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    me.post("/users/@me/delete").json(password()).expect(204).await;
    Departure {
        stayer,
        third,
        leaver_id,
        dm_id: dm["id"].as_str().unwrap().to_owned(),
        group_id: group["id"].as_str().unwrap().to_owned(),
    }
}

async fn check_purged(app: &TestApp, d: &Departure) {
    // The private account fields and the mailed secrets went with the data.
    let id = astral_types::UserId::from_i64(d.leaver_id.parse().unwrap());
    let account = app.store().account(id).unwrap();
    assert_eq!((account.pronouns, account.used_mobile_client), (None, false));
    assert!(app.store().outbox(app.state.now_ms(), false).unwrap().is_empty(), "no mail left");
    // The name and the address are free again.
    app.anonymous()
        .post("/auth/register")
        .json(json!({"username": "leaver", "password": PASSWORD, "email": "leaver@example.com"}))
        .expect(201)
        .await;
    // The friend sees "Deleted User", and the 1:1 DM is kept.
    let friends = app.as_user(&d.stayer).get("/users/@me/relationships").expect(200).await;
    let gone = friends.as_array().unwrap().iter().find(|r| r["id"] == json!(d.leaver_id)).unwrap();
    assert_eq!(gone["user"]["username"], "Deleted User");
    assert_eq!(gone["user"]["avatar"], Value::Null);
    let dm = app
        .as_user(&d.stayer)
        .post("/users/@me/channels")
        .json(json!({"recipient_id": d.leaver_id}))
        .expect(200)
        .await;
    assert_eq!(dm["id"], json!(d.dm_id), "the DM is kept");
    assert_eq!(dm["recipients"][0]["username"], "Deleted User");
    let channels = app.as_user(&d.stayer).get("/users/@me/channels").expect(200).await;
    let channels = channels.as_array().unwrap();
    // The group passed to a remaining recipient and lost the leaver.
    let group = channels.iter().find(|c| c["id"] == json!(d.group_id)).expect("the group stays");
    assert_ne!(group["owner_id"], json!(d.leaver_id));
    assert!(group["recipients"].as_array().unwrap().iter().all(|u| u["id"] != json!(d.leaver_id)));
    let (status, _) = app.try_login("leaver", PASSWORD).await;
    assert_eq!(status, 200, "the new leaver logs in");
    let _ = &d.third;
}

backend_db_test!(deleted_accounts_are_purged_after_the_grace_period, purge_after_grace);
async fn purge_after_grace(db: TestDb) {
    let now_us = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_micros() as u64;
    let clock = ManualClock::new(now_us);
    let app = TestApp::start_with(
        db,
        TestOptions { clock: Some(clock.clone()), ..TestOptions::default() },
    )
    .await;
    let departure = depart(&app).await;
    let store = app.store();
    // Not yet due.
    let report = store.purge_due_accounts(app.state.now_ms()).unwrap();
    assert!(report.purged.is_empty());
    clock.advance_us(337 * 3_600 * 1_000_000);
    let report = store.purge_due_accounts(app.state.now_ms()).unwrap();
    assert_eq!(report.purged.len(), 1);
    // Once: a second run (another instance's, say) finds nothing.
    let again = store.purge_due_accounts(app.state.now_ms()).unwrap();
    assert!(again.purged.is_empty());
    check_purged(&app, &departure).await;
}

backend_db_test!(the_purge_command_purges_with_a_zero_grace_period, purge_by_command);
async fn purge_by_command(db: TestDb) {
    let app =
        TestApp::start_with(db, TestOptions { deletion_grace_ms: 0, ..TestOptions::default() })
            .await;
    let departure = depart(&app).await;
    let url = app.db.url();
    let out = astral(&["accounts", "purge", "--database-url", &url]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let printed: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(printed, json!({"purged": 1, "skipped": []}));
    check_purged(&app, &departure).await;
}

backend_test!(racing_purges_purge_once);
async fn racing_purges_purge_once(app: TestApp) {
    let (token, id) = app.register("raced").await;
    app.as_user(&token).post("/users/@me/delete").json(password()).expect(204).await;
    let user: astral_types::UserId = id.parse().unwrap();
    // Far past the grace period, from two stores at once (two instances, say).
    let later = app.state.now_ms() + 400 * 3_600_000;
    let stores = [app.store(), app.store()];
    let outcomes = std::thread::scope(|scope| {
        let runs: Vec<_> =
            stores.iter().map(|s| scope.spawn(move || s.purge_account(user, later))).collect();
        runs.into_iter().map(|r| r.join().unwrap().unwrap()).collect::<Vec<_>>()
    });
    let purged = outcomes.iter().filter(|o| **o == astral_store::PurgeOutcome::Purged).count();
    assert_eq!(purged, 1, "{outcomes:?}");
    assert!(app.store().lifecycle(user).unwrap().unwrap().deleted_ms.is_some());
}

backend_test!(no_login_racing_a_disable_keeps_a_working_token);
async fn no_login_racing_a_disable_keeps_a_working_token(app: TestApp) {
    let (token, _) = app.register("racer").await;
    let body = json!({"login": "racer", "password": PASSWORD});
    let logins: Vec<_> =
        (0..6).map(|_| app.call("POST", "/auth/login", None, Some(body.clone()))).collect();
    let disable = app.as_user(&token).post("/users/@me/disable").json(password()).call();
    let (logins, disabled) =
        futures_util::future::join(futures_util::future::join_all(logins), disable).await;
    assert_eq!(disabled.0, 204, "{}", disabled.1);
    for (status, answer) in logins {
        // Before the disable (then revoked by it) or after it (refused: 20013).
        match status {
            200 => {
                let issued = answer["token"].as_str().unwrap();
                app.as_user(issued).get("/users/@me").refusal(401, 0).await;
            }
            _ => assert_eq!((status, answer["code"].as_i64()), (400, Some(20013)), "{answer}"),
        }
    }
}
