//! Pride flags through the store: the profile's selection keeps its order, refuses any id that
//! is not one of the user's own flags (naming which), repeats and too many, and loses a flag
//! when the flag is deleted. `PATCH /users/@me` and the profile answer read these rules; their
//! HTTP side is tested where they are wired.
//!
//! The PostgreSQL half runs as tests/schema_parity.rs's does (see build.rs).

// clippy.toml's allow-unwrap-in-tests covers `#[test]` functions only, not their helpers.
#![allow(clippy::unwrap_used, reason = "test code: a panic is a failed test")]

use astral_store::testing::PostgresSchema;
use astral_store::{
    NewPrideFlagRecord, NewUser, PrideFlagEdit, PrideFlagRecord, PrideFlagRefusal, Store,
    StoreConfig,
};
use astral_types::pride_flag::{MAX_PRIDE_FLAGS, MAX_PROFILE_PRIDE_FLAGS};
use astral_types::{Snowflake, UserId};

fn user(store: &Store, name: &str) -> UserId {
    let new = NewUser {
        username: name.into(),
        password_hash: None,
        email: None,
        global_name: None,
        bot: false,
    };
    store.create_user(new).unwrap().user_id()
}

fn flag(store: &Store, owner: UserId, name: &str) -> PrideFlagRecord {
    let new = NewPrideFlagRecord {
        hash: "0123456789abcdef0123456789abcdef".into(),
        name: name.into(),
        description: None,
    };
    store.create_pride_flag(owner, new, MAX_PRIDE_FLAGS).unwrap().unwrap()
}

fn names(flags: &[PrideFlagRecord]) -> Vec<&str> {
    flags.iter().map(|f| f.name.as_str()).collect()
}

fn selection_rules(store: &Store) {
    let (me, other) = (user(store, "selector"), user(store, "bystander"));
    let [a, b, c] = ["A", "B", "C"].map(|name| flag(store, me, name));
    let theirs = flag(store, other, "Theirs");
    assert!(store.profile_pride_flags(me).unwrap().is_empty());

    // Kept in the order given, not the order made.
    let order = [c.flag_id(), a.flag_id(), b.flag_id()];
    assert_eq!(store.set_profile_pride_flags(me, &order).unwrap(), Ok(()));
    assert_eq!(names(&store.profile_pride_flags(me).unwrap()), ["C", "A", "B"]);

    // Refusals name the first bad index and change nothing.
    let foreign = [a.flag_id(), theirs.flag_id()];
    assert_eq!(
        store.set_profile_pride_flags(me, &foreign).unwrap(),
        Err(PrideFlagRefusal::NotYourFlag { index: 1 })
    );
    let unknown = [Snowflake(42), a.flag_id()];
    assert_eq!(
        store.set_profile_pride_flags(me, &unknown).unwrap(),
        Err(PrideFlagRefusal::NotYourFlag { index: 0 })
    );
    let repeated = [a.flag_id(), b.flag_id(), a.flag_id()];
    assert_eq!(
        store.set_profile_pride_flags(me, &repeated).unwrap(),
        Err(PrideFlagRefusal::Duplicate { index: 2 })
    );
    let too_many = vec![a.flag_id(); MAX_PROFILE_PRIDE_FLAGS + 1];
    assert_eq!(
        store.set_profile_pride_flags(me, &too_many).unwrap(),
        Err(PrideFlagRefusal::TooManySelected)
    );
    assert_eq!(names(&store.profile_pride_flags(me).unwrap()), ["C", "A", "B"]);
    assert!(store.profile_pride_flags(other).unwrap().is_empty(), "nobody else's changed");

    // An edit shows in the selection; deleting a flag takes it out, the rest keep their order.
    let rename = PrideFlagEdit { name: Some("A2".into()), description: Some(Some("alt".into())) };
    store.update_pride_flag(me, a.flag_id(), rename).unwrap().unwrap();
    assert_eq!(store.delete_pride_flag(me, c.flag_id()).unwrap(), Ok(()));
    let shown = store.profile_pride_flags(me).unwrap();
    assert_eq!(names(&shown), ["A2", "B"]);
    assert_eq!(shown[0].description.as_deref(), Some("alt"));
    assert_eq!(names(&store.pride_flags(me).unwrap()), ["A2", "B"]);

    // Another user's flag can be neither edited nor deleted, nor deleted twice.
    let edit = PrideFlagEdit { name: Some("Mine now".into()), description: None };
    assert_eq!(
        store.update_pride_flag(me, theirs.flag_id(), edit).unwrap(),
        Err(PrideFlagRefusal::UnknownFlag)
    );
    assert_eq!(
        store.delete_pride_flag(me, theirs.flag_id()).unwrap(),
        Err(PrideFlagRefusal::UnknownFlag)
    );
    assert_eq!(
        store.delete_pride_flag(me, c.flag_id()).unwrap(),
        Err(PrideFlagRefusal::UnknownFlag)
    );
    assert_eq!(names(&store.pride_flags(other).unwrap()), ["Theirs"]);

    // An empty selection clears it.
    assert_eq!(store.set_profile_pride_flags(me, &[]).unwrap(), Ok(()));
    assert!(store.profile_pride_flags(me).unwrap().is_empty());

    // The image is served while a flag has it.
    assert!(store.pride_flag_image_exists("0123456789abcdef0123456789abcdef").unwrap());
    assert!(!store.pride_flag_image_exists("fedcba9876543210fedcba9876543210").unwrap());
}

fn cap_rules(store: &Store) {
    let me = user(store, "capped");
    let new = |name: &str| NewPrideFlagRecord {
        hash: "0123456789abcdef0123456789abcdef".into(),
        name: name.into(),
        description: None,
    };
    for i in 0..3 {
        store.create_pride_flag(me, new(&format!("F{i}")), 3).unwrap().unwrap();
    }
    assert_eq!(
        store.create_pride_flag(me, new("F3"), 3).unwrap(),
        Err(PrideFlagRefusal::TooManyFlags)
    );
    assert_eq!(store.pride_flags(me).unwrap().len(), 3);
}

fn open(url: &str) -> Store {
    let store = Store::open(&StoreConfig::new(url)).unwrap();
    store.migrate().unwrap();
    store
}

#[test]
fn sqlite_pride_flag_rules() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&format!("sqlite://{}", dir.path().join("flags.db").display()));
    selection_rules(&store);
    cap_rules(&store);
}

#[test]
#[cfg_attr(not(astral_pg_tests), ignore = "set ASTRAL_TEST_DATABASE_URL to run on PostgreSQL")]
fn postgres_pride_flag_rules() {
    let schema = PostgresSchema::for_tests();
    let store = open(&schema.url);
    selection_rules(&store);
    cap_rules(&store);
}
