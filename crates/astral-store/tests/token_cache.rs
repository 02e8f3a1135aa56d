//! The token cache (src/token_cache.rs) answers exactly what the database answers, on SQLite
//! and on PostgreSQL:
//!
//! - a change made by this store is out of the cache when the write returns (read-your-writes);
//! - a change made by another store on the same database (another instance, the `astral` CLI)
//!   is out of the cache within the change feed's bound; the time each change took to arrive is
//!   printed (`--nocapture`), the figure docs/performance.md quotes;
//! - for every table a token lookup reads: tokens, users, user_accounts, user_suspensions,
//!   user_pride_flags, profile_members;
//! - entries expire after the time-to-live, and the capacity bounds what is held.
//!
//! The PostgreSQL half runs as tests/schema_parity.rs's does (see build.rs).

// clippy.toml's allow-unwrap-in-tests covers `#[test]` functions only, not their helpers.
#![allow(clippy::unwrap_used, reason = "test code: a panic is a failed test")]

use std::time::{Duration, Instant};

use astral_store::testing::PostgresSchema;
use astral_store::{
    NewPrideFlagRecord, NewProfileMember, NewUser, OwnProfileRead, Store, StoreConfig,
    TokenCacheConfig, TokenOwner, UserChanges,
};
use astral_types::user::{AccountUpdate, ProfileUpdate};
use astral_types::UserId;

/// Far above the feed's poll (20 ms), for a loaded CI machine; the measured times are printed.
const ARRIVAL_BOUND: Duration = Duration::from_secs(3);

fn open(url: &str, cache: Option<TokenCacheConfig>) -> Store {
    let store = Store::open(&StoreConfig::new(url)).unwrap();
    store.migrate().unwrap();
    if let Some(config) = cache {
        store.start_token_cache(config);
    }
    store
}

fn person(store: &Store, name: &str) -> UserId {
    let new = NewUser {
        username: name.to_owned(),
        password_hash: None,
        email: None,
        global_name: None,
        bot: false,
    };
    store.create_user(new).unwrap().user_id()
}

/// A token hash of the form the server stores (64 hex digits), unique per `n` in both halves
/// (the cache keys on the first).
fn hash(n: u64) -> String {
    format!("{n:032x}{n:032x}")
}

/// What a lookup answers, comparably: the user, and the own answer as the handler builds it.
fn seen(owner: &Option<TokenOwner>) -> Option<String> {
    owner.as_ref().map(|o| {
        let own = match &o.own_profile {
            OwnProfileRead::Read(own) => format!("{:?}", own.answer(&o.user)),
            other => format!("{other:?}"),
        };
        format!("{:?} {:?} {own}", o.token_id, o.user)
    })
}

/// Fills the cache with the token's owner and checks it is then answered from the cache. On
/// PostgreSQL a write of this store drops its users itself and returns; the notification its
/// triggers sent still reaches the listener a moment later and drops them again, which
/// refuses a fill that began before it (one more miss, never a stale answer): such a fill is
/// tried again.
fn fill(cached: &Store, token: &str) {
    let started = Instant::now();
    loop {
        cached.token_owner(token, true).unwrap();
        if cached.cached_token_owner(token, true).is_some() {
            return;
        }
        assert!(started.elapsed() < ARRIVAL_BOUND, "not held after a lookup");
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// After a change, the cache must not answer the token until it has read the change, and the
/// answer after it must be the database's.
fn wait_for_change(cached: &Store, truth: &Store, token: &str, what: &str) -> Duration {
    let started = Instant::now();
    while cached.cached_token_owner(token, true).is_some() {
        assert!(started.elapsed() < ARRIVAL_BOUND, "{what}: the cache still holds the old owner");
        std::thread::sleep(Duration::from_millis(1));
    }
    let arrived = started.elapsed();
    assert_eq!(
        seen(&cached.token_owner(token, true).unwrap()),
        seen(&truth.token_owner(token, true).unwrap()),
        "{what}: the lookup after the change differs from the database's"
    );
    arrived
}

/// Each kind of change, made by `writer`, while `cached` holds the token's owner. Answers the
/// time each took to leave the cache.
fn changes(cached: &Store, writer: &Store, truth: &Store, tag: &str) -> Vec<(String, Duration)> {
    let mut arrivals = Vec::new();
    let id = person(writer, &format!("{tag}owner"));
    let token = hash(id.as_i64() as u64);
    writer.create_token(id, &token).unwrap();
    let mut step = |what: &str, change: &dyn Fn()| {
        fill(cached, &token);
        change();
        arrivals.push((what.to_owned(), wait_for_change(cached, truth, &token, what)));
    };
    step("users: a new name", &|| {
        let changes = UserChanges {
            profile: ProfileUpdate {
                bio: Some(Some(format!("{tag} bio"))),
                ..ProfileUpdate::default()
            },
            global_name: Some(Some(format!("{tag} shown"))),
            ..UserChanges::default()
        };
        writer.update_user(id, changes).unwrap().unwrap();
    });
    step("users: badges", &|| {
        writer.set_badges(id, 4).unwrap();
    });
    step("user_accounts: a new row", &|| {
        let changes = UserChanges {
            account: AccountUpdate {
                pronouns: Some(Some("she/her".to_owned())),
                ..AccountUpdate::default()
            },
            ..UserChanges::default()
        };
        writer.update_user(id, changes).unwrap().unwrap();
    });
    step("user_accounts: a changed row", &|| {
        let changes = UserChanges {
            account: AccountUpdate {
                pronouns: Some(Some("they/them".to_owned())),
                ..AccountUpdate::default()
            },
            ..UserChanges::default()
        };
        writer.update_user(id, changes).unwrap().unwrap();
    });
    step("user_suspensions: suspended", &|| {
        writer.suspend_user(id, 1, Some("test")).unwrap();
    });
    assert!(cached.token_owner(&token, true).unwrap().is_none(), "a suspended owner authenticates");
    writer.unsuspend_user(id).unwrap();
    step("user_pride_flags: a flag shown", &|| {
        let flag =
            NewPrideFlagRecord { hash: "b".repeat(32), name: "flag".to_owned(), description: None };
        let flag = writer.create_pride_flag(id, flag, 10).unwrap().unwrap();
        let show = UserChanges {
            profile: ProfileUpdate {
                pride_flags: Some(vec![astral_types::Snowflake::from_i64(flag.id)]),
                ..ProfileUpdate::default()
            },
            ..UserChanges::default()
        };
        writer.update_user(id, show).unwrap().unwrap();
    });
    step("user_pride_flags: none shown", &|| {
        let hide = UserChanges {
            profile: ProfileUpdate { pride_flags: Some(Vec::new()), ..ProfileUpdate::default() },
            ..UserChanges::default()
        };
        writer.update_user(id, hide).unwrap().unwrap();
    });
    step("profile_members: a member", &|| {
        let member = NewProfileMember {
            name: "member".to_owned(),
            display_name: None,
            bio: None,
            avatar: None,
            links: Vec::new(),
            names: Vec::new(),
            pronoun_entries: Vec::new(),
            pronouns_key: "pronouns",
            fields: Vec::new(),
            hidden: false,
        };
        writer.create_profile_member(id, member, 10).unwrap().unwrap();
    });
    step("tokens: revoked", &|| {
        writer.revoke_user_tokens(id).unwrap();
    });
    assert!(cached.token_owner(&token, true).unwrap().is_none(), "a revoked token authenticates");
    arrivals
}

fn check(url: &str) {
    let config = TokenCacheConfig::default();
    let cached = open(url, Some(config));
    let truth = open(url, None);

    // A write in a transaction (`update_user`) needs no marker to wait for on PostgreSQL: its
    // transaction lists the users it changed (migration 000019).
    let id = person(&cached, "listed");
    let token = hash(id.as_i64() as u64);
    cached.create_token(id, &token).unwrap();
    fill(&cached, &token);
    let waits = cached.token_cache_stats().unwrap().marker_waits;
    let rename = UserChanges { global_name: Some(Some("listed".into())), ..Default::default() };
    cached.update_user(id, rename).unwrap().unwrap();
    assert!(cached.cached_token_owner(&token, true).is_none(), "held after its own write");
    assert_eq!(cached.token_cache_stats().unwrap().marker_waits, waits, "a transaction waited");

    // This store's own writes: out of the cache when the write returns, without waiting.
    for (what, arrived) in changes(&cached, &cached, &truth, "own") {
        assert!(
            arrived < Duration::from_millis(1),
            "{what}: this store's own write was still in the cache after it returned ({arrived:?})"
        );
    }

    // Another store's (another instance, the CLI): within the feed's bound.
    let other = open(url, None);
    let arrivals = changes(&cached, &other, &truth, "other");
    for (what, arrived) in &arrivals {
        println!("token cache: another process's change ({what}) left the cache after {arrived:?}");
    }
    let slowest = arrivals.iter().map(|(_, d)| *d).max().unwrap();
    println!("token cache: slowest arrival {slowest:?} (poll {:?})", config.poll);

    // A hit is counted, and so is a miss.
    let stats = cached.token_cache_stats().unwrap();
    assert!(stats.hits > 0 && stats.misses > 0, "{stats:?}");
}

fn check_ttl_and_capacity(url: &str) {
    let config =
        TokenCacheConfig { capacity: 3, ttl: Duration::from_millis(300), ..Default::default() };
    let cached = open(url, Some(config));
    let mut tokens = Vec::new();
    for n in 0..5 {
        let id = person(&cached, &format!("capacity{n}"));
        let token = hash(id.as_i64() as u64);
        cached.create_token(id, &token).unwrap();
        cached.token_owner(&token, false).unwrap().unwrap();
        tokens.push(token);
    }
    assert!(cached.token_cache_stats().unwrap().tokens <= 3, "over capacity");
    // The newest are held, then expire.
    let last = tokens.last().unwrap();
    assert!(cached.cached_token_owner(last, false).is_some());
    std::thread::sleep(Duration::from_millis(350));
    assert!(cached.cached_token_owner(last, false).is_none(), "used after its time-to-live");
    // An unknown token is never held.
    assert!(cached.token_owner(&hash(1), false).unwrap().is_none());
    assert!(cached.cached_token_owner(&hash(1), false).is_none());
}

#[test]
fn sqlite_token_cache_follows_every_change() {
    let dir = tempfile::tempdir().unwrap();
    check(&dir.path().join("cache.db").display().to_string());
}

#[test]
fn sqlite_token_cache_expires_and_is_bounded() {
    let dir = tempfile::tempdir().unwrap();
    check_ttl_and_capacity(&dir.path().join("cache.db").display().to_string());
}

#[test]
#[cfg_attr(not(astral_pg_tests), ignore = "set ASTRAL_TEST_DATABASE_URL to run on PostgreSQL")]
fn postgres_token_cache_follows_every_change() {
    let schema = PostgresSchema::for_tests();
    check(&schema.url);
}

#[test]
#[cfg_attr(not(astral_pg_tests), ignore = "set ASTRAL_TEST_DATABASE_URL to run on PostgreSQL")]
fn postgres_token_cache_expires_and_is_bounded() {
    let schema = PostgresSchema::for_tests();
    check_ttl_and_capacity(&schema.url);
}
