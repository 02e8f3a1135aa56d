//! `read_transaction` reads one snapshot on both backends: a row committed by another
//! connection between two of its reads is not seen by the second one. The store relies on it
//! where a use case reads in several queries (a guild page and its member counts, the channel
//! list and its recipients, a profile and its mutual guilds and friends). PostgreSQL's default
//! isolation would show the new row; the test fails on a plain transaction there.
//!
//! The PostgreSQL half runs as tests/schema_parity.rs's does (see build.rs).

// clippy.toml's allow-unwrap-in-tests covers `#[test]` functions only, not their helpers.
#![allow(clippy::unwrap_used, reason = "test code: a panic is a failed test")]

use astral_store::testing::PostgresSchema;
use astral_store::{read_transaction, AnyConnection, StoreError};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::BigInt;

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

fn count(conn: &mut AnyConnection) -> Result<i64, StoreError> {
    Ok(diesel::sql_query("SELECT COUNT(*) AS n FROM snapshot_probe").get_result::<Count>(conn)?.n)
}

/// `reader` counts the probe's rows twice in one read transaction while `writer` commits a
/// row in between; both counts must be the one before the write, and a later read sees it.
fn assert_one_snapshot(mut reader: AnyConnection, mut writer: AnyConnection) {
    writer
        .batch_execute(
            "CREATE TABLE snapshot_probe (n BIGINT); INSERT INTO snapshot_probe VALUES (1)",
        )
        .unwrap();
    let (first, second) = read_transaction(&mut reader, |conn| {
        let first = count(conn)?;
        writer.batch_execute("INSERT INTO snapshot_probe VALUES (2)")?;
        let second = count(conn)?;
        Ok((first, second))
    })
    .unwrap();
    assert_eq!((first, second), (1, 1), "the second read saw a row committed after the first");
    assert_eq!(count(&mut reader).unwrap(), 2, "after the transaction the row is seen");
}

#[test]
fn sqlite_read_transaction_is_one_snapshot() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("snapshot.db").display().to_string();
    let mut writer = diesel::SqliteConnection::establish(&path).unwrap();
    // As the store's connections are (conn.rs): in WAL mode a reader does not block a writer.
    writer.batch_execute("PRAGMA journal_mode = WAL").unwrap();
    let reader = diesel::SqliteConnection::establish(&path).unwrap();
    assert_one_snapshot(AnyConnection::Sqlite(reader), AnyConnection::Sqlite(writer));
}

#[test]
#[cfg_attr(not(astral_pg_tests), ignore = "set ASTRAL_TEST_DATABASE_URL to run on PostgreSQL")]
fn postgres_read_transaction_is_one_snapshot() {
    let schema = PostgresSchema::for_tests();
    let writer = diesel::PgConnection::establish(&schema.url).unwrap();
    let reader = diesel::PgConnection::establish(&schema.url).unwrap();
    assert_one_snapshot(AnyConnection::Postgresql(reader), AnyConnection::Postgresql(writer));
}
