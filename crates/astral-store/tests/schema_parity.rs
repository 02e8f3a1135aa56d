//! src/schema.rs is the one diesel schema of both backends; the migrations under
//! migrations/{sqlite,postgres} must produce exactly its tables. Each test migrates a fresh
//! database, reads back every table's columns (SQLite `pragma_table_info`, PostgreSQL
//! `information_schema`), normalises their types to diesel's SQL types and compares them,
//! their nullability and each table's primary key with what schema.rs declares. A column in a
//! migration but not in schema.rs fails it, and so does the reverse, another type, another
//! nullability or another primary key.

use std::collections::BTreeMap;

use astral_store::{CatalogColumn, Store, StoreConfig};
use diesel::prelude::*;
use diesel::sql_types::{Integer, Text};

/// A table as diesel sees it: the primary key's columns in order, and each column's diesel SQL
/// type (`BigInt`, `Text`, …) and whether it is nullable.
#[derive(Debug, Default, PartialEq)]
struct Table {
    primary_key: Vec<String>,
    columns: BTreeMap<String, (String, bool)>,
}

type Tables = BTreeMap<String, Table>;

/// The `diesel::table!` blocks of src/schema.rs, read as text. A line inside a block that is
/// not a column fails the test rather than being skipped.
fn declared() -> Tables {
    let source = include_str!("../src/schema.rs");
    let mut tables = Tables::new();
    let mut lines = source.lines().map(str::trim);
    while let Some(line) = lines.next() {
        if line != "diesel::table! {" {
            continue;
        }
        let header = lines.next().unwrap_or_default();
        let (name, rest) =
            header.split_once(" (").unwrap_or_else(|| panic!("not a table header: {header:?}"));
        let (key, rest) =
            rest.split_once(')').unwrap_or_else(|| panic!("not a table header: {header:?}"));
        assert_eq!(rest.trim(), "{", "not a table header: {header:?}");
        let mut table = Table {
            primary_key: key.split(',').map(|c| c.trim().to_owned()).collect(),
            ..Table::default()
        };
        for line in lines.by_ref() {
            if line == "}" {
                break;
            }
            let (column, ty) = line
                .strip_suffix(',')
                .and_then(|l| l.split_once(" -> "))
                .unwrap_or_else(|| panic!("{name}: not a column: {line:?}"));
            let (ty, nullable) = match ty.strip_prefix("Nullable<") {
                Some(inner) => (inner.strip_suffix('>').unwrap_or(inner), true),
                None => (ty, false),
            };
            table.columns.insert(column.to_owned(), (ty.to_owned(), nullable));
        }
        assert!(tables.insert(name.to_owned(), table).is_none(), "{name} declared twice");
    }
    assert!(!tables.is_empty(), "no diesel::table! block found");
    tables
}

#[derive(QueryableByName)]
struct KeyRow {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    column_name: String,
    #[diesel(sql_type = Integer)]
    position: i32,
}

/// The tables read back from a migrated database, types normalised by `diesel_type`.
fn migrated(
    columns: Vec<CatalogColumn>,
    keys: Vec<KeyRow>,
    diesel_type: fn(&str) -> &str,
) -> Tables {
    let mut tables = Tables::new();
    for c in columns {
        let ty = diesel_type(&c.column_type).to_owned();
        tables.entry(c.table_name).or_default().columns.insert(c.column_name, (ty, c.nullable));
    }
    let mut keys: Vec<KeyRow> = keys;
    keys.sort_by_key(|k| k.position);
    for k in keys {
        tables.entry(k.table_name).or_default().primary_key.push(k.column_name);
    }
    tables
}

/// SQLite's declared column types as diesel reads them. A type not listed fails the test: add
/// it here with the diesel type `diesel print-schema` gives it.
fn sqlite_type(declared: &str) -> &str {
    match declared.to_ascii_uppercase().as_str() {
        "BIGINT" => "BigInt",
        "INTEGER" => "Integer",
        "SMALLINT" => "SmallInt",
        "TEXT" => "Text",
        "BOOLEAN" => "Bool",
        "BLOB" => "Binary",
        "DOUBLE" | "REAL" => "Double",
        other => panic!("SQLite type {other} has no diesel type here yet"),
    }
}

/// PostgreSQL's `information_schema.columns.data_type` as diesel reads it (print-schema says
/// `Int8` and `Varchar`; diesel's `BigInt` and `Text` are the same types).
fn postgres_type(data_type: &str) -> &str {
    match data_type {
        "bigint" => "BigInt",
        "integer" => "Integer",
        "smallint" => "SmallInt",
        "text" | "character varying" => "Text",
        "boolean" => "Bool",
        "bytea" => "Binary",
        "double precision" => "Double",
        other => panic!("PostgreSQL type {other} has no diesel type here yet"),
    }
}

/// Every way `migrated` differs from `declared`, one line each.
fn differences(backend: &str, declared: &Tables, migrated: &Tables) -> Vec<String> {
    let mut out = Vec::new();
    for (name, table) in migrated {
        let Some(decl) = declared.get(name) else {
            out.push(format!("table {name}: in the {backend} migrations, not in schema.rs"));
            continue;
        };
        if decl.primary_key != table.primary_key {
            out.push(format!(
                "table {name}: primary key {:?} in schema.rs, {:?} in the {backend} migrations",
                decl.primary_key, table.primary_key
            ));
        }
        for (column, found) in &table.columns {
            match decl.columns.get(column) {
                None => out.push(format!(
                    "{name}.{column}: in the {backend} migrations, not in schema.rs"
                )),
                Some(expected) if expected != found => out.push(format!(
                    "{name}.{column}: (type, nullable) {expected:?} in schema.rs, {found:?} in the {backend} migrations"
                )),
                Some(_) => {}
            }
        }
        for column in decl.columns.keys() {
            if !table.columns.contains_key(column) {
                out.push(format!("{name}.{column}: in schema.rs, not in the {backend} migrations"));
            }
        }
    }
    for name in declared.keys() {
        if !migrated.contains_key(name) {
            out.push(format!("table {name}: in schema.rs, not in the {backend} migrations"));
        }
    }
    out
}

fn assert_parity(backend: &str, migrated: &Tables) {
    let found = differences(backend, &declared(), migrated);
    assert!(
        found.is_empty(),
        "src/schema.rs and the {backend} migrations differ:\n  {}",
        found.join("\n  ")
    );
}

/// Migrates the database at `url`; returns its columns as the catalogue reads them.
fn migrate(url: &str) -> Vec<CatalogColumn> {
    let store = Store::open(&StoreConfig::new(url)).unwrap_or_else(|e| panic!("open {url}: {e}"));
    store.migrate().unwrap_or_else(|e| panic!("migrate {url}: {e}"));
    store.migrated_columns().unwrap_or_else(|e| panic!("columns of {url}: {e}"))
}

#[test]
fn sqlite_migrations_match_schema_rs() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("parity.db").display().to_string();
    let columns = migrate(&format!("sqlite://{path}"));
    let mut conn = SqliteConnection::establish(&path).unwrap();
    let keys = diesel::sql_query(
        "SELECT m.name AS table_name, p.name AS column_name, p.pk AS position \
         FROM sqlite_master AS m JOIN pragma_table_info(m.name) AS p \
         WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' \
         AND m.name <> '__diesel_schema_migrations' AND p.pk > 0",
    )
    .load::<KeyRow>(&mut conn)
    .unwrap();
    assert_parity("SQLite", &migrated(columns, keys, sqlite_type));
}

#[test]
#[cfg_attr(not(astral_pg_tests), ignore = "set ASTRAL_TEST_DATABASE_URL to run on PostgreSQL")]
fn postgres_migrations_match_schema_rs() {
    let schema = astral_store::testing::PostgresSchema::for_tests();
    let columns = migrate(&schema.url);
    let mut conn = PgConnection::establish(&schema.url).unwrap();
    let keys = diesel::sql_query(
        "SELECT k.table_name::text, k.column_name::text, k.ordinal_position::integer AS position \
         FROM information_schema.table_constraints AS c \
         JOIN information_schema.key_column_usage AS k \
           ON k.constraint_schema = c.constraint_schema AND k.constraint_name = c.constraint_name \
         WHERE c.constraint_type = 'PRIMARY KEY' AND c.table_schema = current_schema() \
           AND c.table_name <> '__diesel_schema_migrations'",
    )
    .load::<KeyRow>(&mut conn)
    .unwrap();
    assert_parity("PostgreSQL", &migrated(columns, keys, postgres_type));
}
