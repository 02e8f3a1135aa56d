//! Helpers for integration tests (feature `testing`): an isolated PostgreSQL schema per test,
//! so tests run in parallel against one database, and a way to hold SQLite's write lock.

use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection, SqliteConnection};
use rand::Rng;

/// A fresh schema in the PostgreSQL database at `base_url`, and a URL whose connections use
/// it (`search_path`). The schema is dropped with the value.
pub struct PostgresSchema {
    base_url: String,
    pub schema: String,
    pub url: String,
}

impl PostgresSchema {
    pub fn create(base_url: &str) -> Result<PostgresSchema, String> {
        let schema = format!("astral_test_{:016x}", rand::thread_rng().gen::<u64>());
        let mut conn = PgConnection::establish(base_url)
            .map_err(|e| format!("cannot connect to {base_url}: {e}"))?;
        conn.batch_execute(&format!("CREATE SCHEMA {schema}"))
            .map_err(|e| format!("cannot create schema {schema}: {e}"))?;
        let sep = if base_url.contains('?') { '&' } else { '?' };
        let url = format!("{base_url}{sep}options=-csearch_path%3D{schema}");
        Ok(PostgresSchema { base_url: base_url.to_owned(), schema, url })
    }

    /// A fresh schema in the database named by `ASTRAL_TEST_DATABASE_URL`, for a PostgreSQL
    /// test. Reaching this without the variable means CI asked for PostgreSQL tests (the build
    /// scripts' test_gate.rs): fail loudly.
    pub fn for_tests() -> PostgresSchema {
        let base = std::env::var("ASTRAL_TEST_DATABASE_URL").unwrap_or_default();
        assert!(
            !base.is_empty(),
            "ASTRAL_TEST_DATABASE_URL is not set, but PostgreSQL tests were requested (CI=true)"
        );
        PostgresSchema::create(&base).unwrap_or_else(|e| panic!("{e}"))
    }
}

impl Drop for PostgresSchema {
    fn drop(&mut self) {
        if let Ok(mut conn) = PgConnection::establish(&self.base_url) {
            let _ = conn.batch_execute(&format!("DROP SCHEMA IF EXISTS {} CASCADE", self.schema));
        }
    }
}

/// Holds SQLite's write lock (an open `BEGIN IMMEDIATE`) until dropped.
pub struct SqliteWriteLock {
    conn: SqliteConnection,
}

impl SqliteWriteLock {
    pub fn acquire(path: &str) -> Result<SqliteWriteLock, String> {
        let mut conn = SqliteConnection::establish(path).map_err(|e| e.to_string())?;
        // The server under test writes all the while: without a busy timeout `BEGIN IMMEDIATE`
        // fails at once ("database is locked") whenever one of its writes holds the lock.
        conn.batch_execute("PRAGMA busy_timeout = 10000; BEGIN IMMEDIATE")
            .map_err(|e| e.to_string())?;
        Ok(SqliteWriteLock { conn })
    }
}

impl Drop for SqliteWriteLock {
    fn drop(&mut self) {
        let _ = self.conn.batch_execute("ROLLBACK");
    }
}

impl crate::Store {
    /// Seeds `count` open 1:1 DMs of `me`, each with a new user (`seed<id>`), in one
    /// transaction with multi-row inserts: the way to give one account more channels than any
    /// API could in a test's time, without lifting a limit.
    pub fn seed_open_dms(
        &self,
        me: astral_types::UserId,
        count: usize,
    ) -> Result<(), crate::StoreError> {
        use crate::schema::{channel_recipients, channels, users};
        use diesel::prelude::*;

        // Multi-row inserts are built per backend: diesel's multi-backend connection has no
        // batch insert.
        macro_rules! insert_batch {
            ($conn:expr, $table:expr, $rows:expr) => {{
                on_backend!($conn, |c| diesel::insert_into($table).values($rows).execute(c))?
            }};
        }
        // Rows per statement: well under every backend's bound-parameter limit.
        const CHUNK: usize = 500;
        let mut conn = self.conn()?;
        crate::conn::write_transaction(&mut conn, |conn| {
            // Short ids counted up (base 26) past the ones already taken: random ones would
            // collide among thousands of rows.
            let taken: std::collections::HashSet<String> =
                users::table.select(users::sid).load::<String>(conn)?.into_iter().collect();
            let mut next_sid = 0u32;
            let mut fresh_sid = || loop {
                let mut n = next_sid;
                next_sid += 1;
                let mut sid = [b'a'; crate::SID_LENGTH];
                for letter in sid.iter_mut().rev() {
                    *letter = b'a' + (n % 26) as u8;
                    n /= 26;
                }
                let sid = String::from_utf8_lossy(&sid).into_owned();
                if !taken.contains(&sid) {
                    return sid;
                }
            };
            let mut done = 0;
            while done < count {
                let n = CHUNK.min(count - done);
                // Per DM: the other user, the channel, and its two recipients (open for `me`).
                let (mut user_rows, mut channel_rows, mut recipient_rows) =
                    (Vec::with_capacity(n), Vec::with_capacity(n), Vec::with_capacity(2 * n));
                for _ in 0..n {
                    let (other, room) = (self.ids.next_id().as_i64(), self.ids.next_id().as_i64());
                    let name = format!("seed{other}");
                    user_rows.push((
                        users::id.eq(other),
                        users::username_key.eq(name.clone()),
                        users::username.eq(name),
                        users::discriminator.eq("0"),
                        users::locale.eq("en-US"),
                        users::bot.eq(false),
                        users::sid.eq(fresh_sid()),
                    ));
                    let (a, b) = (me.as_i64().min(other), me.as_i64().max(other));
                    channel_rows.push((
                        channels::id.eq(room),
                        channels::kind.eq(crate::DM),
                        channels::dm_key.eq(format!("{a}:{b}")),
                    ));
                    for (user, open) in [(me.as_i64(), true), (other, false)] {
                        recipient_rows.push((
                            channel_recipients::channel_id.eq(room),
                            channel_recipients::user_id.eq(user),
                            channel_recipients::open.eq(open),
                        ));
                    }
                }
                insert_batch!(conn, users::table, user_rows);
                insert_batch!(conn, channels::table, channel_rows);
                insert_batch!(conn, channel_recipients::table, recipient_rows);
                done += n;
            }
            Ok(())
        })
    }
}
