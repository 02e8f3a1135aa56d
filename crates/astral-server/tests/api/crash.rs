//! Crash safety: the real binary is killed with SIGKILL in the middle of a stream of
//! `PATCH /users/@me` and relationship writes, restarted on the same database, and checked:
//! every write that was answered 2xx is there (a field holds its last acknowledged value, or
//! the value of the one write still in flight), and every relationship pair is whole (friend
//! ↔ friend, outgoing ↔ incoming, a block on one side only, or both sides blocking).
//!
//! The figures (writes acknowledged, kills, lost writes) are printed; docs/operations.md
//! quotes them.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{json, Value};

use crate::process::{command, register_account, ServerProcess};
use crate::support::{backend_db_test, request, TestDb};

const KILLS: usize = 3;
const USERS: usize = 6;
/// Pairs driven by one writer each; users 0, 1, 3 and 4 are in two pairs.
const PAIRS: [(usize, usize); 5] = [(0, 1), (2, 3), (4, 5), (0, 3), (1, 4)];

/// A pair's relationship as (a's type for b, b's type for a); 0 = no row.
type PairState = (u8, u8);

/// Per pair: the state after its last acknowledged op, and after the op in flight.
type PairLedger = Arc<Mutex<Vec<(PairState, Option<PairState>)>>>;

/// The writer's script; it returns to where it started, so it can run forever.
#[derive(Debug, Clone, Copy)]
enum Op {
    /// a sends b a friend request.
    Request,
    /// b accepts.
    Accept,
    /// a removes the friend.
    Unfriend,
    /// a blocks b.
    Block,
    /// a unblocks b.
    Unblock,
}

const SCRIPT: [Op; 5] = [Op::Request, Op::Accept, Op::Unfriend, Op::Block, Op::Unblock];

impl Op {
    fn after(self) -> PairState {
        match self {
            Op::Request => (4, 3),
            Op::Accept => (1, 1),
            Op::Unfriend | Op::Unblock => (0, 0),
            Op::Block => (2, 0),
        }
    }
}

/// Where in the script a pair in `state` continues.
fn position_for(state: PairState) -> usize {
    match state {
        (0, 0) => 0,
        (4, 3) => 1,
        (1, 1) => 2,
        (2, 0) => 4,
        other => panic!("pair in a state the script never makes: {other:?}"),
    }
}

#[derive(Default, Clone, Debug)]
struct Ledger {
    /// The last value answered 2xx, and the value sent without an answer (if any).
    acked: Option<String>,
    in_flight: Option<String>,
}

struct User {
    id: String,
    token: String,
}

/// What the writers of one round share: the client, the server's API, the users, the flag
/// that stops them and the count of acknowledged writes.
#[derive(Clone)]
struct Writers {
    http: reqwest::Client,
    api: String,
    users: Arc<Vec<User>>,
    stop: Arc<AtomicBool>,
    acknowledged: Arc<AtomicUsize>,
}

struct Totals {
    acknowledged: usize,
    kills: usize,
    lost: usize,
    checked_pairs: usize,
}

async fn send(
    http: &reqwest::Client,
    api: &str,
    method: &str,
    path: &str,
    token: &str,
    body: Option<Value>,
) -> Result<(u16, Value), reqwest::Error> {
    let response = request(http, method, format!("{api}{path}"), Some(token), body).send().await?;
    let status = response.status().as_u16();
    Ok((status, response.json().await.unwrap_or(Value::Null)))
}

/// Each user's relationships as other id → type.
async fn relationships(
    http: &reqwest::Client,
    api: &str,
    users: &[User],
) -> Vec<HashMap<String, u8>> {
    let mut all = Vec::new();
    for u in users {
        let (status, body) = send(http, api, "GET", "/users/@me/relationships", &u.token, None)
            .await
            .expect("list relationships");
        assert_eq!(status, 200, "{body}");
        all.push(
            body.as_array()
                .unwrap()
                .iter()
                .map(|r| (r["id"].as_str().unwrap().to_owned(), r["type"].as_u64().unwrap() as u8))
                .collect(),
        );
    }
    all
}

async fn crash_and_check(db: TestDb) -> Totals {
    let media = tempfile::tempdir().unwrap();
    let start =
        || ServerProcess::start(command(&db.url(), media.path(), &[("ASTRAL_LOG", "warn")]));
    let mut server = start().await;
    let http = reqwest::Client::builder().timeout(Duration::from_secs(10)).build().unwrap();
    let mut users = Vec::new();
    for i in 0..USERS {
        let body = register_account(&http, &server.api(), &format!("crash{i}")).await;
        users.push(User {
            id: body["user_id"].as_str().unwrap().to_owned(),
            token: body["token"].as_str().unwrap().to_owned(),
        });
    }
    let users = Arc::new(users);
    let profiles: Arc<Mutex<Vec<Ledger>>> = Arc::new(Mutex::new(vec![Ledger::default(); USERS]));
    let pairs: PairLedger = Arc::new(Mutex::new(vec![((0, 0), None); PAIRS.len()]));
    let mut positions = [0usize; PAIRS.len()];
    let mut totals = Totals { acknowledged: 0, kills: 0, lost: 0, checked_pairs: 0 };
    let acknowledged = Arc::new(AtomicUsize::new(0));
    let mut sequence = 0u64;

    for _round in 0..KILLS {
        let writers = Writers {
            http: http.clone(),
            api: server.api(),
            users: Arc::clone(&users),
            stop: Arc::new(AtomicBool::new(false)),
            acknowledged: Arc::clone(&acknowledged),
        };
        let mut tasks = Vec::new();
        for u in 0..USERS {
            let (w, profiles) = (writers.clone(), Arc::clone(&profiles));
            sequence += 1_000_000;
            let mut n = sequence;
            tasks.push(tokio::spawn(async move {
                while !w.stop.load(Ordering::SeqCst) {
                    n += 1;
                    let value = format!("g{n}");
                    profiles.lock().unwrap()[u].in_flight = Some(value.clone());
                    let body = json!({"global_name": value});
                    let token = &w.users[u].token;
                    match send(&w.http, &w.api, "PATCH", "/users/@me", token, Some(body)).await {
                        Ok((200, _)) => {
                            let mut p = profiles.lock().unwrap();
                            p[u].acked = Some(value);
                            p[u].in_flight = None;
                            w.acknowledged.fetch_add(1, Ordering::SeqCst);
                        }
                        Ok((status, body)) => panic!("PATCH answered {status} {body}"),
                        Err(_) => return, // killed: the outcome of this one is unknown
                    }
                }
            }));
        }
        for (p, &(a, b)) in PAIRS.iter().enumerate() {
            let (w, pairs) = (writers.clone(), Arc::clone(&pairs));
            let mut position = positions[p];
            tasks.push(tokio::spawn(async move {
                while !w.stop.load(Ordering::SeqCst) {
                    let op = SCRIPT[position % SCRIPT.len()];
                    let (actor, other, method, body) = match op {
                        Op::Request => (a, b, "PUT", Some(json!({}))),
                        Op::Accept => (b, a, "PUT", Some(json!({}))),
                        Op::Unfriend | Op::Unblock => (a, b, "DELETE", None),
                        Op::Block => (a, b, "PUT", Some(json!({"type": 2}))),
                    };
                    pairs.lock().unwrap()[p].1 = Some(op.after());
                    let path = format!("/users/@me/relationships/{}", w.users[other].id);
                    let token = &w.users[actor].token;
                    match send(&w.http, &w.api, method, &path, token, body).await {
                        Ok((204, _)) => {
                            let mut s = pairs.lock().unwrap();
                            s[p] = (op.after(), None);
                            w.acknowledged.fetch_add(1, Ordering::SeqCst);
                            position += 1;
                        }
                        Ok((status, body)) => panic!("{op:?} answered {status} {body}"),
                        Err(_) => return,
                    }
                }
            }));
        }
        tokio::time::sleep(Duration::from_millis(1200)).await;
        server.kill9();
        totals.kills += 1;
        for t in tasks {
            t.await.expect("writer");
        }

        server = start().await;
        let api = server.api();
        // Profiles: the last acknowledged value, or the one in flight at the kill.
        let mut ledgers = profiles.lock().unwrap().clone();
        for (u, ledger) in ledgers.iter_mut().enumerate() {
            let (status, me) =
                send(&http, &api, "GET", "/users/@me", &users[u].token, None).await.unwrap();
            assert_eq!(status, 200);
            let now = me["global_name"].as_str().map(str::to_owned);
            let whole =
                now == ledger.acked || (ledger.in_flight.is_some() && now == ledger.in_flight);
            if !whole {
                eprintln!("LOST: user {u} has {now:?}, acknowledged {ledger:?}");
                totals.lost += 1;
            }
            // Whatever is there now is what the next round builds on.
            *ledger = Ledger { acked: now, in_flight: None };
        }
        *profiles.lock().unwrap() = ledgers;
        // Relationships: every pair whole on both sides, and at the acknowledged state or the
        // one in flight.
        let rels = relationships(&http, &api, &users).await;
        for (x, of_x) in rels.iter().enumerate() {
            for (other, &kind) in of_x {
                let y = users.iter().position(|u| &u.id == other).expect("known user");
                let back = rels[y].get(&users[x].id).copied().unwrap_or(0);
                let whole = matches!((kind, back), (1, 1) | (4, 3) | (3, 4) | (2, 0) | (2, 2));
                assert!(whole, "half-applied pair {x}→{y}: {kind} / {back}");
            }
        }
        let mut states = pairs.lock().unwrap();
        for (p, &(a, b)) in PAIRS.iter().enumerate() {
            let now: PairState = (
                rels[a].get(&users[b].id).copied().unwrap_or(0),
                rels[b].get(&users[a].id).copied().unwrap_or(0),
            );
            let (acked, in_flight) = states[p];
            if now != acked && Some(now) != in_flight {
                eprintln!(
                    "LOST: pair {p} is {now:?}, acknowledged {acked:?}, in flight {in_flight:?}"
                );
                totals.lost += 1;
            }
            totals.checked_pairs += 1;
            states[p] = (now, None);
            positions[p] = position_for(now);
        }
    }
    totals.acknowledged = acknowledged.load(Ordering::SeqCst);
    totals
}

async fn run(db: TestDb) {
    let label = db.backend();
    let totals = crash_and_check(db).await;
    println!(
        "crash safety {label}: {} writes acknowledged, {} × kill -9, {} pair checks, {} lost",
        totals.acknowledged, totals.kills, totals.checked_pairs, totals.lost
    );
    assert!(totals.acknowledged >= 100, "too little load to mean anything");
    assert_eq!(totals.lost, 0, "acknowledged writes were lost");
}

backend_db_test!(kill_9_loses_no_acknowledged_write, run);
