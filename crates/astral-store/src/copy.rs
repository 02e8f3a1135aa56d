//! Copying a SQLite database into a new PostgreSQL database (`astral copy-to-postgres`).
//!
//! No list of tables or columns is kept here: both databases are migrated by this binary, so
//! their tables are schema.rs's (tests/schema_parity.rs), and the copy reads them from the
//! databases' catalogues. A table or column a later migration adds is copied without a change
//! here; the copy refuses to start if the two databases' tables or columns differ.
//!
//! Rows travel as JSON: SQLite's `json_object` reads a batch, PostgreSQL's
//! `json_populate_recordset` writes it with each value converted to its column's type (SQLite's
//! 0/1 booleans included). Tables are written parents first (their foreign keys, read from
//! PostgreSQL's catalogue, decide the order), all in one PostgreSQL transaction; the SQLite side
//! is read in one snapshot. Before committing, every table's row count on PostgreSQL must equal
//! SQLite's, or nothing is written.

use std::collections::{BTreeMap, BTreeSet};

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Nullable, Text};
use diesel::{PgConnection, SqliteConnection};

use crate::{AnyConnection, Backend, Store, StoreError};

/// Rows per batch: a few MB of JSON at most with the widest rows (profiles).
const BATCH_ROWS: i64 = 500;

/// Diesel's own bookkeeping, which each database's migrations fill themselves.
const MIGRATIONS_TABLE: &str = "__diesel_schema_migrations";

/// One table copied: its name and the rows in it, on both sides.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableCopy {
    pub table: String,
    pub rows: i64,
}

/// A column of a migrated table, as its database's catalogue describes it.
#[derive(Debug, Clone, PartialEq, Eq, QueryableByName)]
pub struct CatalogColumn {
    #[diesel(sql_type = Text)]
    pub table_name: String,
    #[diesel(sql_type = Text)]
    pub column_name: String,
    /// The type as the backend spells it: SQLite's declared type, PostgreSQL's `data_type`.
    #[diesel(sql_type = Text)]
    pub column_type: String,
    #[diesel(sql_type = Bool)]
    pub nullable: bool,
}

#[derive(QueryableByName)]
struct ReferenceRow {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    referenced: String,
}

#[derive(QueryableByName)]
struct CountRow {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

#[derive(QueryableByName)]
struct BatchRow {
    #[diesel(sql_type = Nullable<Text>)]
    rows_json: Option<String>,
    #[diesel(sql_type = Nullable<BigInt>)]
    last_rowid: Option<i64>,
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// A table's name and columns, as both databases have them.
type Tables = BTreeMap<String, Vec<String>>;

impl Store {
    /// Copies every table of this SQLite store into `target`, a PostgreSQL store migrated to
    /// the same schema whose tables are all empty; returns each table's row count in the order
    /// written. `progress` is told about each table once it is written. Both stores must be
    /// migrated by this binary first. Refusals (wrong backends, a non-empty target, different
    /// tables) are `Config` errors, with nothing written.
    pub fn copy_into(
        &self,
        target: &Store,
        mut progress: impl FnMut(&TableCopy),
    ) -> Result<Vec<TableCopy>, StoreError> {
        if self.backend() != Backend::Sqlite || target.backend() != Backend::Postgres {
            return Err(StoreError::Config(
                "the copy reads a SQLite database and writes a PostgreSQL one".to_owned(),
            ));
        }
        let mut source = self.conn()?;
        let mut destination = target.conn()?;
        let (AnyConnection::Sqlite(lite), AnyConnection::Postgresql(pg)) =
            (&mut *source, &mut *destination)
        else {
            return Err(StoreError::Internal("a store's connection is not its backend's".into()));
        };
        // One snapshot of the source, kept while PostgreSQL's transaction runs.
        lite.batch_execute("BEGIN")?;
        let copied = pg.transaction(|pg| copy_tables(lite, pg, &mut progress));
        if let Err(e) = lite.batch_execute("COMMIT") {
            tracing::warn!(error = %e, "ending the source's read transaction failed");
        }
        copied
    }

    /// Every column of every table the migrations made (diesel's bookkeeping table left out),
    /// read from the database's catalogue: what the copy compares, and what
    /// tests/schema_parity.rs holds to schema.rs.
    pub fn migrated_columns(&self) -> Result<Vec<CatalogColumn>, StoreError> {
        match &mut *self.conn()? {
            AnyConnection::Sqlite(lite) => sqlite_columns(lite),
            AnyConnection::Postgresql(pg) => postgres_columns(pg),
        }
    }
}

fn copy_tables(
    lite: &mut SqliteConnection,
    pg: &mut PgConnection,
    progress: &mut impl FnMut(&TableCopy),
) -> Result<Vec<TableCopy>, StoreError> {
    let source = sqlite_tables(lite)?;
    let target = postgres_tables(pg)?;
    if source != target {
        return Err(StoreError::Config(format!(
            "the databases' tables differ (is one of them from another version of Astral?): \
             SQLite has {}, PostgreSQL has {}",
            describe(&source),
            describe(&target)
        )));
    }
    let order = parents_first(&target, &postgres_references(pg)?)?;
    for table in &order {
        let n = count(pg, table)?;
        if n > 0 {
            return Err(StoreError::Config(format!(
                "the PostgreSQL database is not empty: table {table} has {n} rows (copy into a \
                 new database)"
            )));
        }
    }
    let mut copied = Vec::with_capacity(order.len());
    for table in &order {
        let columns = &target[table];
        copy_table(lite, pg, table, columns)?;
        let rows = count_sqlite(lite, table)?;
        let written = count(pg, table)?;
        if written != rows {
            return Err(StoreError::Internal(format!(
                "table {table}: {rows} rows in SQLite but {written} written to PostgreSQL; \
                 nothing was committed"
            )));
        }
        let done = TableCopy { table: table.clone(), rows };
        progress(&done);
        copied.push(done);
    }
    Ok(copied)
}

/// Copies one table in batches of [`BATCH_ROWS`], in rowid order.
fn copy_table(
    lite: &mut SqliteConnection,
    pg: &mut PgConnection,
    table: &str,
    columns: &[String],
) -> Result<(), StoreError> {
    let object =
        columns.iter().map(|c| format!("'{c}', {}", quoted(c))).collect::<Vec<_>>().join(", ");
    let read = format!(
        "SELECT json_group_array(json_object({object})) AS rows_json, max(astral_rowid) AS last_rowid, \
         count(*) AS n FROM (SELECT rowid AS astral_rowid, * FROM {} WHERE rowid > ? \
         ORDER BY rowid LIMIT ?)",
        quoted(table)
    );
    let list = columns.iter().map(|c| quoted(c)).collect::<Vec<_>>().join(", ");
    let write = format!(
        "INSERT INTO {table_q} ({list}) SELECT {list} FROM json_populate_recordset(NULL::{table_q}, $1::json)",
        table_q = quoted(table)
    );
    let mut after = i64::MIN;
    loop {
        let batch = diesel::sql_query(&read)
            .bind::<BigInt, _>(after)
            .bind::<BigInt, _>(BATCH_ROWS)
            .get_result::<BatchRow>(lite)?;
        let (Some(rows), Some(last)) = (batch.rows_json, batch.last_rowid) else {
            return Ok(());
        };
        diesel::sql_query(&write).bind::<Text, _>(rows).execute(pg)?;
        if batch.n < BATCH_ROWS {
            return Ok(());
        }
        after = last;
    }
}

/// `"name"`. Names come from the databases' own catalogues; one with a quote in it is not one
/// of ours, so it is written as is and the statement fails.
fn quoted(name: &str) -> String {
    format!("\"{name}\"")
}

fn describe(tables: &Tables) -> String {
    tables
        .iter()
        .map(|(table, columns)| format!("{table}({})", columns.join(", ")))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The source's tables and their columns (sorted by name, so that the sides compare).
fn sqlite_tables(lite: &mut SqliteConnection) -> Result<Tables, StoreError> {
    Ok(tables_of(sqlite_columns(lite)?))
}

/// The target's tables in its current schema (the `search_path`'s first) and their columns.
fn postgres_tables(pg: &mut PgConnection) -> Result<Tables, StoreError> {
    Ok(tables_of(postgres_columns(pg)?))
}

fn sqlite_columns(lite: &mut SqliteConnection) -> Result<Vec<CatalogColumn>, StoreError> {
    Ok(diesel::sql_query(
        "SELECT m.name AS table_name, p.name AS column_name, p.type AS column_type, \
         p.\"notnull\" = 0 AS nullable \
         FROM sqlite_master AS m JOIN pragma_table_info(m.name) AS p \
         WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name <> ?",
    )
    .bind::<Text, _>(MIGRATIONS_TABLE)
    .load(lite)?)
}

fn postgres_columns(pg: &mut PgConnection) -> Result<Vec<CatalogColumn>, StoreError> {
    Ok(diesel::sql_query(
        "SELECT c.table_name::text AS table_name, c.column_name::text AS column_name, \
         c.data_type::text AS column_type, c.is_nullable::text = 'YES' AS nullable \
         FROM information_schema.columns AS c JOIN information_schema.tables AS t \
           ON t.table_schema = c.table_schema AND t.table_name = c.table_name \
         WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE' \
           AND c.table_name <> $1",
    )
    .bind::<Text, _>(MIGRATIONS_TABLE)
    .load(pg)?)
}

fn tables_of(rows: Vec<CatalogColumn>) -> Tables {
    let mut tables = Tables::new();
    for row in rows {
        tables.entry(row.table_name).or_default().push(row.column_name);
    }
    for columns in tables.values_mut() {
        columns.sort();
    }
    tables
}

/// `(table, table it references)` for every foreign key of the target's schema.
fn postgres_references(pg: &mut PgConnection) -> Result<Vec<(String, String)>, StoreError> {
    let rows = diesel::sql_query(
        "SELECT src.relname::text AS table_name, dst.relname::text AS referenced \
         FROM pg_constraint AS k \
         JOIN pg_class AS src ON src.oid = k.conrelid \
         JOIN pg_class AS dst ON dst.oid = k.confrelid \
         JOIN pg_namespace AS n ON n.oid = k.connamespace \
         WHERE k.contype = 'f' AND n.nspname = current_schema()",
    )
    .load::<ReferenceRow>(pg)?;
    Ok(rows.into_iter().map(|r| (r.table_name, r.referenced)).collect())
}

/// The tables in an order where every table comes after those it references (by name among
/// equals, so the order is stable).
fn parents_first(
    tables: &Tables,
    references: &[(String, String)],
) -> Result<Vec<String>, StoreError> {
    let mut waiting: BTreeMap<&str, BTreeSet<&str>> =
        tables.keys().map(|t| (t.as_str(), BTreeSet::new())).collect();
    for (table, referenced) in references {
        if table != referenced && tables.contains_key(referenced) {
            if let Some(parents) = waiting.get_mut(table.as_str()) {
                parents.insert(referenced.as_str());
            }
        }
    }
    let mut order: Vec<String> = Vec::with_capacity(tables.len());
    while !waiting.is_empty() {
        let ready: Vec<&str> = waiting
            .iter()
            .filter(|(_, parents)| parents.iter().all(|p| order.iter().any(|o| o == p)))
            .map(|(table, _)| *table)
            .collect();
        if ready.is_empty() {
            let stuck: Vec<&str> = waiting.keys().copied().collect();
            return Err(StoreError::Internal(format!(
                "the foreign keys between {} form a cycle: no order to copy them in",
                stuck.join(", ")
            )));
        }
        for table in ready {
            waiting.remove(table);
            order.push(table.to_owned());
        }
    }
    Ok(order)
}

fn count(pg: &mut PgConnection, table: &str) -> Result<i64, StoreError> {
    Ok(diesel::sql_query(format!("SELECT count(*) AS n FROM {}", quoted(table)))
        .get_result::<CountRow>(pg)?
        .n)
}

fn count_sqlite(lite: &mut SqliteConnection, table: &str) -> Result<i64, StoreError> {
    Ok(diesel::sql_query(format!("SELECT count(*) AS n FROM {}", quoted(table)))
        .get_result::<CountRow>(lite)?
        .n)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tables(names: &[&str]) -> Tables {
        names.iter().map(|n| ((*n).to_owned(), vec!["id".to_owned()])).collect()
    }

    #[test]
    fn parents_come_before_the_tables_that_reference_them() {
        let all = tables(&["tokens", "users", "guilds", "guild_members", "zeta"]);
        let references = [
            ("tokens", "users"),
            ("guilds", "users"),
            ("guild_members", "guilds"),
            ("guild_members", "users"),
            ("users", "users"),
        ]
        .map(|(a, b)| (a.to_owned(), b.to_owned()));
        let order = parents_first(&all, &references).unwrap();
        let at = |t: &str| order.iter().position(|o| o == t).unwrap();
        assert!(at("users") < at("tokens"));
        assert!(at("users") < at("guilds"));
        assert!(at("guilds") < at("guild_members"));
        assert_eq!(order.len(), 5);
        let cycle =
            [("users", "guilds"), ("guilds", "users")].map(|(a, b)| (a.to_owned(), b.to_owned()));
        assert!(parents_first(&tables(&["users", "guilds"]), &cycle).is_err());
    }
}
