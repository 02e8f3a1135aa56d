//! Embedded migrations, one tree per backend (same names, same resulting schema).

use diesel::connection::SimpleConnection;
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

use crate::{AnyConnection, Store, StoreError};

const SQLITE: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// Serialises migrations when several instances start at once against one PostgreSQL.
const MIGRATION_LOCK_KEY: i64 = 0x6173_7472_616c; // "astral"

impl Store {
    /// Applies every pending migration; returns the names of those applied.
    pub fn migrate(&self) -> Result<Vec<String>, StoreError> {
        let mut conn = self.conn()?;
        let applied = match &mut *conn {
            AnyConnection::Sqlite(c) => c
                .run_pending_migrations(SQLITE)
                .map(|v| v.iter().map(|m| m.to_string()).collect())
                .map_err(|e| StoreError::Internal(format!("migration failed: {e}")))?,
            AnyConnection::Postgresql(c) => {
                c.batch_execute(&format!("SELECT pg_advisory_lock({MIGRATION_LOCK_KEY})"))?;
                let result = c
                    .run_pending_migrations(POSTGRES)
                    .map(|v| v.iter().map(|m| m.to_string()).collect::<Vec<_>>())
                    .map_err(|e| StoreError::Internal(format!("migration failed: {e}")));
                c.batch_execute(&format!("SELECT pg_advisory_unlock({MIGRATION_LOCK_KEY})"))?;
                result?
            }
        };
        Ok(applied)
    }

    /// The migrations this binary has that the database has not applied yet: not empty while
    /// another instance is still migrating, or when nothing has migrated this database to this
    /// binary's schema (readiness, docs/operations.md). Reads the migrations table only.
    pub fn pending_migrations(&self) -> Result<Vec<String>, StoreError> {
        let mut conn = self.conn()?;
        let pending = match &mut *conn {
            AnyConnection::Sqlite(c) => c
                .pending_migrations(SQLITE)
                .map(|v| v.iter().map(|m| m.name().to_string()).collect()),
            AnyConnection::Postgresql(c) => c
                .pending_migrations(POSTGRES)
                .map(|v| v.iter().map(|m| m.name().to_string()).collect()),
        };
        pending.map_err(|e| StoreError::Unavailable(format!("cannot read applied migrations: {e}")))
    }
}
