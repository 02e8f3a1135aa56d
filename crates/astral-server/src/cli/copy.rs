//! `astral copy-to-postgres`: moving a deployment from SQLite to PostgreSQL
//! (docs/deployment.md#moving-from-sqlite-to-postgresql). The work is the store's
//! ([`astral_store::Store::copy_into`]); this reads the arguments and prints the counts.

use std::time::Duration;

use astral_store::{Backend, DatabaseUrl, Store, StoreConfig, TableCopy};
use clap::Args;

use crate::config::LogFormat;

#[derive(Debug, Args)]
pub struct CopyArgs {
    /// The SQLite database to copy: sqlite://PATH or a file path. Stop the server first (what
    /// is written after the copy starts is not copied); pending migrations are applied to it.
    #[arg(long, value_name = "SQLITE")]
    pub from: String,
    /// The PostgreSQL database to fill, postgres://USER@HOST/DB: it is migrated and must have
    /// no rows yet. Give the password with PGPASSWORD or ~/.pgpass rather than in the URL.
    #[arg(long, value_name = "POSTGRES_URL")]
    pub to: String,
}

/// A statement of the copy may take this long (the server's 5 s bound is for requests).
const STATEMENT_TIMEOUT: Duration = Duration::from_secs(3600);

pub(super) fn run(args: CopyArgs) -> Result<(), String> {
    super::init_logging("info", LogFormat::Text, std::io::stderr);
    let from = DatabaseUrl::parse(&args.from).map_err(|e| format!("--from: {e}"))?;
    if from.backend != Backend::Sqlite {
        return Err("--from must be a SQLite database (sqlite://PATH or a file path)".to_owned());
    }
    let to = DatabaseUrl::parse(&args.to).map_err(|e| format!("--to: {e}"))?;
    if to.backend != Backend::Postgres {
        return Err("--to must be a PostgreSQL URL (postgres://USER@HOST/DB)".to_owned());
    }
    if !std::path::Path::new(&from.target).is_file() {
        return Err(format!("--from: no SQLite database at {}", from.target));
    }
    let source = open(&args.from, "--from")?;
    let target = open(&args.to, "--to")?;
    let copied = source
        .copy_into(&target, |done| {
            tracing::info!(table = %done.table, rows = done.rows, "table copied");
        })
        .map_err(|e| format!("nothing was copied: {e}"))?;
    print!("{}", report(&copied));
    Ok(())
}

/// A store on `url` with the copy's statement timeout, migrated to this binary's schema.
fn open(url: &str, flag: &str) -> Result<Store, String> {
    let mut config = StoreConfig::new(url);
    config.pool_size = 1;
    config.connection.statement_timeout = STATEMENT_TIMEOUT;
    let store = Store::open(&config).map_err(|e| format!("{flag}: {e}"))?;
    for name in store.migrate().map_err(|e| format!("{flag}: {e}"))? {
        tracing::info!(migration = %name, database = flag, "applied migration");
    }
    Ok(store)
}

/// What the copy wrote, one table per line, and the total.
fn report(copied: &[TableCopy]) -> String {
    let width = copied.iter().map(|t| t.table.len()).max().unwrap_or(0).max("table".len());
    let mut out = format!(
        "copied {} tables into PostgreSQL in one transaction; each table's row count was \
         checked equal on both sides\n{:<width$}  rows\n",
        copied.len(),
        "table"
    );
    for table in copied {
        out.push_str(&format!("{:<width$}  {}\n", table.table, table.rows));
    }
    let total: i64 = copied.iter().map(|t| t.rows).sum();
    out.push_str(&format!("{:<width$}  {total}\n", "total"));
    out
}
