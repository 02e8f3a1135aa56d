//! PostgreSQL connections are not asked `SELECT 1` at every checkout (conn.rs, `vouch`): one in
//! steady use is trusted, one idle for more than a second or in doubt after a failure is
//! asked first. So when the server ends this store's connections (a restart, an
//! administrator), a connection idle for a while is replaced without anyone noticing, and one
//! in steady use fails the one statement that finds it dead (503, `Unavailable`) and no more:
//! that failure puts every pooled connection in doubt.
//!
//! Only this store's connections are ended (they carry their own `application_name`); the
//! test database is shared with tests running in parallel. Runs as tests/schema_parity.rs's
//! PostgreSQL half does (see build.rs).

// clippy.toml's allow-unwrap-in-tests covers `#[test]` functions only, not their helpers.
#![allow(clippy::unwrap_used, reason = "test code: a panic is a failed test")]

use std::time::Duration;

use astral_store::testing::PostgresSchema;
use astral_store::{Store, StoreConfig, StoreError};
use astral_types::{Snowflake, UserId};
use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection};

struct Fixture {
    _schema: PostgresSchema,
    store: Store,
    admin: PgConnection,
    application: String,
}

fn fixture(name: &str) -> Fixture {
    let schema = PostgresSchema::for_tests();
    let application = format!("{name}_{}", schema.schema);
    let url = format!("{}&application_name={application}", schema.url);
    let store = Store::open(&StoreConfig { pool_size: 2, ..StoreConfig::new(url) }).unwrap();
    store.migrate().unwrap();
    let admin = PgConnection::establish(&schema.url).unwrap();
    Fixture { _schema: schema, store, admin, application }
}

impl Fixture {
    /// A read through the pool (a user nobody is).
    fn read(&self) -> Result<(), StoreError> {
        self.store.user_with_profile(UserId(Snowflake(1))).map(|_| ())
    }

    /// Ends every connection of this store, as a server restart would.
    fn end_connections(&mut self) {
        self.admin
            .batch_execute(&format!(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
                 WHERE application_name = '{}'",
                self.application
            ))
            .unwrap();
        // The backends are gone when pg_terminate_backend has signalled them; give them a
        // moment to close their sockets.
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
#[cfg_attr(not(astral_pg_tests), ignore = "set ASTRAL_TEST_DATABASE_URL to run on PostgreSQL")]
fn an_idle_connection_found_dead_is_replaced_before_use() {
    let mut f = fixture("vouch_idle");
    f.read().unwrap();
    f.end_connections();
    std::thread::sleep(Duration::from_millis(1100));
    f.read().expect("an idle connection is checked, and replaced, before it is used");
    f.read().unwrap();
}

#[test]
#[cfg_attr(not(astral_pg_tests), ignore = "set ASTRAL_TEST_DATABASE_URL to run on PostgreSQL")]
fn a_busy_connection_found_dead_fails_one_read_then_the_pool_recovers() {
    let mut f = fixture("vouch_busy");
    f.read().unwrap();
    f.end_connections();
    match f.read() {
        // The connection just used is trusted: the read finds it dead.
        Err(StoreError::Unavailable(_)) => {}
        other => panic!("the first read on a dead connection answered {other:?}"),
    }
    // That failure put the pool's connections in doubt: the next read checks, drops the
    // dead one and connects again.
    f.read().expect("the read after the failure is served");
    f.read().unwrap();
}
