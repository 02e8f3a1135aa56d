//! `GET /users/@me` and `GET /users/{id}` read a user with neither pride flags nor members in
//! one statement, without a transaction (users.rs, `select_plain_user`), and the token lookup
//! reads such a user's own answer in its own statement (`TokenOwner::own_profile`); anyone
//! else is read in several statements in one snapshot (`Store::user_with_lists`, straight
//! away when the token lookup learnt they have lists). Every one of these reads must give
//! exactly what that snapshot path gives (`Store::user_with_lists`, right for anyone):
//! with and without an account row, with a pride flag, with a member, on SQLite and on
//! PostgreSQL. So must the answer of an update (`update_user`, which reads the user it
//! changed the same way).
//!
//! The PostgreSQL half runs as tests/schema_parity.rs's does (see build.rs).

// clippy.toml's allow-unwrap-in-tests covers `#[test]` functions only, not their helpers.
#![allow(clippy::unwrap_used, reason = "test code: a panic is a failed test")]

use astral_store::testing::PostgresSchema;
use astral_store::{
    NewPrideFlagRecord, NewProfileMember, NewUser, OwnProfileRead, Store, StoreConfig, UserChanges,
    UserLookup,
};
use astral_types::user::{AccountUpdate, ProfileUpdate};
use astral_types::UserId;

fn person(store: &Store, name: &str) -> UserId {
    let new = NewUser {
        username: name.to_owned(),
        password_hash: None,
        email: None,
        global_name: Some(format!("{name} shown")),
        bot: false,
    };
    store.create_user(new).unwrap().user_id()
}

/// What the several-statement snapshot path answers for `id`.
fn snapshot_read(store: &Store, id: UserId) -> astral_store::PrivateUserRecord {
    store.user_with_lists(id).unwrap().unwrap()
}

/// Both reads of `id` against the snapshot path; `lists` says whether the user has a pride
/// flag or a member, as a check that the case is the one meant.
fn assert_reads_agree(store: &Store, id: UserId, lists: bool) {
    let expected = snapshot_read(store, id);
    assert_eq!(
        !expected.user.pride_flags.is_empty() || !expected.user.members.is_empty(),
        lists,
        "the user is not the case this check is for"
    );
    let own = store.user_with_profile(id).unwrap().unwrap();
    assert_eq!(own, expected, "GET /users/@me's read differs from the snapshot read");
    let updated = store.update_user(id, UserChanges::default()).unwrap().unwrap();
    assert_eq!(updated, expected, "an update's answer differs from the snapshot read");
    let lookup = UserLookup::Id(id, id.to_string());
    let seen = store.find_user_with_profile(lookup, Some(id)).unwrap().unwrap();
    assert_eq!(seen, expected.user, "GET /users/{{id}}'s read differs from the snapshot read");
    let hash = format!("hash-of-a-token-of-{id}");
    store.create_token(id, &hash).unwrap();
    let plain = store.token_owner(&hash, false).unwrap().unwrap();
    assert!(
        matches!(plain.own_profile, OwnProfileRead::NotRead),
        "read the profile without being asked to"
    );
    assert_eq!(plain.user, expected.user.user);
    let owner = store.token_owner(&hash, true).unwrap().unwrap();
    match (&owner.own_profile, lists) {
        (OwnProfileRead::Read(own), false) => {
            assert_eq!(own.answer(&owner.user), expected, "the token lookup's answer differs");
        }
        // GET /users/@me then reads `Store::user_with_lists`, the reference itself.
        (OwnProfileRead::HasLists, true) => {}
        (other, _) => panic!("the token lookup learnt {other:?} of a user with lists: {lists}"),
    }
}

fn check(store: &Store) {
    store.migrate().unwrap();

    // No account row at all: the account's defaults.
    let plain = person(store, "plain");
    assert_reads_agree(store, plain, false);

    // An account row and profile columns.
    let with_account = person(store, "withaccount");
    let changes = UserChanges {
        account: AccountUpdate {
            pronouns: Some(Some("they/them".to_owned())),
            accent_color: Some(Some(0x12_34_56)),
            ..AccountUpdate::default()
        },
        profile: ProfileUpdate {
            bio: Some(Some("hello".to_owned())),
            timezone: Some(Some("Europe/Paris".to_owned())),
            ..ProfileUpdate::default()
        },
        ..UserChanges::default()
    };
    let updated = store.update_user(with_account, changes).unwrap().unwrap();
    assert_eq!(updated.account.pronouns.as_deref(), Some("they/them"));
    assert_eq!(updated, snapshot_read(store, with_account), "the update's answer differs");
    assert_reads_agree(store, with_account, false);

    // A pride flag shown.
    let flagged = person(store, "flagged");
    let flag =
        NewPrideFlagRecord { hash: "a".repeat(32), name: "flag".to_owned(), description: None };
    let flag = store.create_pride_flag(flagged, flag, 10).unwrap().unwrap();
    let show = UserChanges {
        profile: ProfileUpdate {
            pride_flags: Some(vec![astral_types::Snowflake::from_i64(flag.id)]),
            ..ProfileUpdate::default()
        },
        ..UserChanges::default()
    };
    store.update_user(flagged, show).unwrap().unwrap();
    assert_reads_agree(store, flagged, true);

    // A member.
    let owner = person(store, "owner");
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
    store.create_profile_member(owner, member, 10).unwrap().unwrap();
    assert_reads_agree(store, owner, true);

    // Nobody: both reads find nothing.
    let nobody = UserId(astral_types::Snowflake(1));
    assert_eq!(store.user_with_profile(nobody).unwrap(), None);
    assert_eq!(store.user_with_lists(nobody).unwrap(), None);
    let lookup = UserLookup::Id(nobody, nobody.to_string());
    assert_eq!(store.find_user_with_profile(lookup, None).unwrap(), None);
}

#[test]
fn sqlite_plain_users_read_as_the_snapshot_reads_them() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("plain.db").display().to_string();
    check(&Store::open(&StoreConfig::new(path)).unwrap());
}

#[test]
#[cfg_attr(not(astral_pg_tests), ignore = "set ASTRAL_TEST_DATABASE_URL to run on PostgreSQL")]
fn postgres_plain_users_read_as_the_snapshot_reads_them() {
    let schema = PostgresSchema::for_tests();
    check(&Store::open(&StoreConfig::new(&schema.url)).unwrap());
}
