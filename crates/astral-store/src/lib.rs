//! Astral's store: users and tokens over one diesel code path for SQLite (the embedded default)
//! and PostgreSQL (production), chosen by the database URL's scheme.
//!
//! Every method is blocking (diesel is synchronous); the server calls them on its blocking
//! thread pool. Methods take typed ids and return plain records; the wire format lives in
//! `astral-types`, not here.

mod channels;
mod conn;
mod error;
mod guilds;
mod migrate;
mod relationships;
pub mod schema;
#[cfg(feature = "testing")]
pub mod testing;
mod tokens;
mod users;

use std::time::Duration;

pub use channels::{ChannelRecord, ChannelRow, GroupRefusal, DM, GROUP_DM};
pub use conn::{AnyConnection, AstralConnectionManager, Backend, ConnectionOptions, DatabaseUrl};
pub use error::{StoreError, UniqueField};
pub use guilds::{GuildPage, GuildRecord};
pub use relationships::{FriendRequestRefusal, Relationship, RelationshipKind};
pub use tokens::TokenOwner;
pub use users::{ImageSlot, NewUser, UserChanges, UserRecord};

use astral_types::SnowflakeGenerator;

pub type Pool = r2d2::Pool<AstralConnectionManager>;
pub type PooledConnection = r2d2::PooledConnection<AstralConnectionManager>;

/// How to open a store.
#[derive(Clone, Debug)]
pub struct StoreConfig {
    pub database_url: String,
    /// Maximum pooled connections.
    pub pool_size: u32,
    /// How long a request waits for a pooled connection before it gets 503.
    pub pool_timeout: Duration,
    pub connection: ConnectionOptions,
    /// 0–31: distinguishes server instances sharing one database in generated ids.
    pub worker_id: u8,
}

impl StoreConfig {
    pub fn new(database_url: impl Into<String>) -> Self {
        StoreConfig {
            database_url: database_url.into(),
            pool_size: default_pool_size(),
            pool_timeout: Duration::from_secs(5),
            connection: ConnectionOptions::default(),
            worker_id: 0,
        }
    }
}

/// Two connections per core: enough to keep the cores busy while others wait on I/O.
pub fn default_pool_size() -> u32 {
    std::thread::available_parallelism()
        .map(|n| n.get() as u32 * 2)
        .unwrap_or(4)
        .max(2)
}

pub struct Store {
    pool: Pool,
    backend: Backend,
    ids: SnowflakeGenerator,
}

impl Store {
    /// Connects (once directly, so that a bad URL or a server that is down reports its own
    /// error) and builds the pool. Does not migrate: call [`Store::migrate`].
    pub fn open(config: &StoreConfig) -> Result<Store, StoreError> {
        let url = DatabaseUrl::parse(&config.database_url)?;
        let backend = url.backend;
        let manager = AstralConnectionManager::new(url, config.connection.clone());
        drop(manager.establish()?);
        let pool = r2d2::Pool::builder()
            .max_size(config.pool_size.max(1))
            // No minimum of idle connections: with one, checking out the last idle connection
            // starts a replacement connect on r2d2's worker thread, and a process that exits
            // meanwhile (the CLI does, right after its one query) tears libpq/OpenSSL down
            // under that thread and dies with SIGSEGV. Connections are made on demand (the
            // caller waits for its own) and kept until the idle timeout.
            .min_idle(Some(0))
            .connection_timeout(config.pool_timeout)
            .error_handler(Box::new(r2d2::LoggingErrorHandler))
            .build_unchecked(manager);
        Ok(Store {
            pool,
            backend,
            ids: SnowflakeGenerator::for_this_process(config.worker_id),
        })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub(crate) fn conn(&self) -> Result<PooledConnection, StoreError> {
        Ok(self.pool.get()?)
    }

    /// A round trip to the database, for health checks.
    pub fn ping(&self) -> Result<(), StoreError> {
        use diesel::connection::SimpleConnection;
        self.conn()?.batch_execute("SELECT 1")?;
        Ok(())
    }
}
