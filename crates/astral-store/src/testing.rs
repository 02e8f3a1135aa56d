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
        Ok(PostgresSchema {
            base_url: base_url.to_owned(),
            schema,
            url,
        })
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
        conn.batch_execute("BEGIN IMMEDIATE")
            .map_err(|e| e.to_string())?;
        Ok(SqliteWriteLock { conn })
    }
}

impl Drop for SqliteWriteLock {
    fn drop(&mut self) {
        let _ = self.conn.batch_execute("ROLLBACK");
    }
}
