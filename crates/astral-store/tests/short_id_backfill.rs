//! Migration 2026-11-30-000008_short_ids gives every existing user a short id: a database
//! migrated up to the one before, holding users, is migrated the rest of the way, and every
//! user must then have 5 lowercase ASCII letters, all distinct (the SQL computes a bijection of
//! the row number, on each backend); a user created afterwards gets a fresh one too.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "test code: a panic is a failed test")]

use std::collections::BTreeSet;

use astral_store::{NewUser, Store, StoreConfig};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::Text;
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

const SQLITE: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES: EmbeddedMigrations = embed_migrations!("migrations/postgres");

const SHORT_IDS: &str = "2026-11-30-000008_short_ids";
/// Users present before the migration: enough that a formula mapping two rows to one sid would
/// show.
const USERS: usize = 2000;

#[derive(QueryableByName)]
struct SidRow {
    #[diesel(sql_type = Text)]
    sid: String,
}

/// Applies the migrations before [`SHORT_IDS`], inserts [`USERS`] users, applies the rest.
macro_rules! migrate_with_users_in_between {
    ($conn:expr, $migrations:expr) => {{
        let conn = $conn;
        loop {
            let pending = conn.pending_migrations($migrations).unwrap();
            let next = pending.first().expect("the short-id migration is missing");
            if next.name().to_string().starts_with(SHORT_IDS) {
                break;
            }
            conn.run_migration(next.as_ref()).unwrap();
        }
        let rows: Vec<String> = (0..USERS)
            .map(|i| {
                // Ids out of insertion order, so the row number is not the insertion order.
                let id = 1_000_000 + (i * 7919) % USERS;
                format!("({id}, 'old{i}', 'old{i}', '0001')")
            })
            .collect();
        conn.batch_execute(&format!(
            "INSERT INTO users (id, username, username_key, discriminator) VALUES {}",
            rows.join(", ")
        ))
        .unwrap();
        conn.run_pending_migrations($migrations).unwrap();
        diesel::sql_query("SELECT sid FROM users").load::<SidRow>(conn).unwrap()
    }};
}

fn assert_valid_and_distinct(backend: &str, rows: Vec<SidRow>, expected: usize) {
    let sids: Vec<String> = rows.into_iter().map(|r| r.sid).collect();
    assert_eq!(sids.len(), expected, "{backend}");
    for sid in &sids {
        assert!(astral_store::is_sid(sid), "{backend}: {sid:?} is not 5 lowercase letters");
    }
    let distinct: BTreeSet<&String> = sids.iter().collect();
    assert_eq!(distinct.len(), sids.len(), "{backend}: two users share a short id");
}

/// A user created after the backfill gets a short id of its own.
fn create_after(url: &str) -> String {
    let store = Store::open(&StoreConfig::new(url)).unwrap();
    store.migrate().unwrap();
    let new = NewUser {
        username: "newcomer".into(),
        password_hash: None,
        email: None,
        global_name: None,
        bot: false,
    };
    store.create_user(new).unwrap().sid
}

#[test]
fn sqlite_backfill_gives_every_user_a_distinct_short_id() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("backfill.db").display().to_string();
    let mut conn = SqliteConnection::establish(&path).unwrap();
    let rows = migrate_with_users_in_between!(&mut conn, SQLITE);
    assert_valid_and_distinct("SQLite", rows, USERS);
    let sid = create_after(&format!("sqlite://{path}"));
    let rows = diesel::sql_query("SELECT sid FROM users").load::<SidRow>(&mut conn).unwrap();
    assert!(rows.iter().any(|r| r.sid == sid));
    assert_valid_and_distinct("SQLite", rows, USERS + 1);
}

#[test]
#[cfg_attr(not(astral_pg_tests), ignore = "set ASTRAL_TEST_DATABASE_URL to run on PostgreSQL")]
fn postgres_backfill_gives_every_user_a_distinct_short_id() {
    let schema = astral_store::testing::PostgresSchema::for_tests();
    let mut conn = PgConnection::establish(&schema.url).unwrap();
    let rows = migrate_with_users_in_between!(&mut conn, POSTGRES);
    assert_valid_and_distinct("PostgreSQL", rows, USERS);
    let sid = create_after(&schema.url);
    let rows = diesel::sql_query("SELECT sid FROM users").load::<SidRow>(&mut conn).unwrap();
    assert!(rows.iter().any(|r| r.sid == sid));
    assert_valid_and_distinct("PostgreSQL", rows, USERS + 1);
}
