//! Astral's store: users and tokens over one diesel code path for SQLite (the embedded default)
//! and PostgreSQL (production), chosen by the database URL's scheme.
//!
//! Every method is blocking (diesel is synchronous); the server calls them on its blocking
//! thread pool. Methods take typed ids and return plain records; the wire format lives in
//! `astral-types`, not here.
//!
//! A read by a primary key or a unique index ends in `.get_result()`, not `.first()`: `.first()`
//! adds `LIMIT ?`, a bound LIMIT that SQLite's planner looks at (and re-prepares the statement
//! for) unless the bundled SQLite is built with the planner stability guarantee
//! (.cargo/config.toml); a unique key needs no limit (docs/performance.md).

/// Runs a diesel query on the connection's own backend (`SqliteConnection` or `PgConnection`)
/// instead of through `AnyConnection`: `on_backend!(conn, |c| query.get_result(c))`. The query
/// is written once and compiled for each backend. Through `AnyConnection` diesel rebuilds the
/// query's SQL text on every execution (to decide whether its prepared statement may be
/// cached), which cost a fifth of `GET /users/@me`'s CPU on SQLite (docs/performance.md);
/// on the connection itself a query with a static shape finds its prepared statement by type.
/// Used on the reads of the hot paths (the token lookup and the user reads) and for the
/// seeders' multi-row inserts, which the multi-backend connection does not offer.
macro_rules! on_backend {
    ($conn:expr, |$c:ident| $body:expr) => {
        match $conn {
            $crate::conn::AnyConnection::Sqlite($c) => $body,
            $crate::conn::AnyConnection::Postgresql($c) => $body,
        }
    };
}

#[macro_use]
mod records;

pub mod account_secrets;
mod accounts;
mod admin;
#[cfg(feature = "bench-seed")]
pub mod bench_seed;
mod channels;
mod conn;
mod copy;
mod error;
mod guilds;
// issue 16 D
pub mod lifecycle;
mod mail_outbox;
mod members;
pub mod mfa;
mod migrate;
mod pride_flags;
mod relationships;
// issue 16 D
pub mod schema;
mod sessions;
pub mod short_ids;
#[cfg(feature = "testing")]
pub mod testing;
mod token_cache;
mod tokens;
mod users;

use std::sync::Arc;
use std::time::{Duration, Instant};

pub use account_secrets::{
    take_email_token, AccountSecret, EmailRefusal, NewSecret, SecretKind, MAX_CODE_ATTEMPTS,
};
pub use accounts::{AccountRecord, PasswordChange};
pub use admin::{AdminUser, SuspendOutcome, Suspension, ADMIN_PAGE_MAX};
pub use channels::{ChannelRecord, ChannelRefusal, ChannelRow, DM, GROUP_DM};
pub use conn::{
    read_transaction, write_transaction, AnyConnection, AstralConnectionManager, Backend,
    ConnectHealth, ConnectionOptions, DatabaseUrl,
};
pub use copy::{CatalogColumn, TableCopy};
pub use error::{StoreError, UniqueField};
pub use guilds::{
    BotAdded, GuildPage, GuildRecord, GuildRefusal, GuildWithCount, InviteRecord, ListedGuild,
    MemberRecord,
};
pub use mail_outbox::{NewOutboxMail, OutboxMail, OUTBOX_PAGE_MAX};
pub use members::{
    MemberKey, MemberPage, MemberRefusal, NewProfileMember, ProfileMemberChanges,
    ProfileMemberRecord,
};
pub use mfa::{BackupCodeRecord, MfaRecord, MfaRefusal, TotpEnable, BACKUP_CODE_COUNT};
pub use pride_flags::{NewPrideFlagRecord, PrideFlagEdit, PrideFlagRecord, PrideFlagRefusal};
pub use relationships::{FriendRequestRefusal, Relationship, RelationshipKind};
pub use short_ids::{
    is_sid, random_short_id, ShortIdKind, MEMBER_SHORT_ID, MEMBER_SID_LENGTH, SHORT_ID_ATTEMPTS,
    SID_LENGTH, USER_SHORT_ID,
};
pub use token_cache::{TokenCacheConfig, TokenCacheStats};
pub use tokens::{OwnProfile, OwnProfileRead, TokenOwner};
// issue 16 D
pub use lifecycle::{
    AccountClosed, Lifecycle, LifecycleRefusal, PurgeOutcome, PurgeReport, DELETED_USER_NAME,
};
pub use sessions::{SessionClient, SessionRecord};
pub use users::{
    ImageSlot, Json, NewUser, PrivateUserRecord, ProfileColumns, ProfileRecord, RerollRefusal,
    UserChanges, UserLookup, UserRecord, UserUpdateRefusal, UserWithProfileRecord,
};

use astral_types::{Snowflake, SnowflakeGenerator};

/// What a use case that may be refused answers: its outcome, or why it did not happen (a
/// refusal enum: `GuildRefusal`, `ChannelRefusal`, …), decided inside its transaction.
pub type Decided<T, R> = Result<Result<T, R>, StoreError>;

/// Which page of a list ordered by id (a user's guilds, a user's members): Discord's
/// `before` / `after` / `limit`.
#[derive(Debug, Clone, Copy)]
pub struct IdPage {
    pub before: Option<Snowflake>,
    pub after: Option<Snowflake>,
    pub limit: i64,
}

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
    std::thread::available_parallelism().map(|n| n.get() as u32 * 2).unwrap_or(4).max(2)
}

pub struct Store {
    pool: Pool,
    backend: Backend,
    ids: SnowflakeGenerator,
    health: Arc<ConnectHealth>,
    pool_timeout: Duration,
    /// The SQLite file as opened, to notice when it is removed or replaced.
    sqlite_file: Option<SqliteFile>,
    /// Told how long each checkout waited and whether it got a connection (the server's
    /// metrics); unset, checkouts are not timed.
    checkout_observer: std::sync::OnceLock<CheckoutObserver>,
    /// On SQLite, this process's writers take turns here (`Store::writer`), each waiting at
    /// most the busy timeout for its turn.
    sqlite_writers: Option<(parking_lot::Mutex<()>, Duration)>,
    /// Opens the token cache's own connection (its change feed).
    manager: AstralConnectionManager,
    /// Set by [`Store::start_token_cache`] (the server); unset, every lookup reads the database.
    token_cache: std::sync::OnceLock<Arc<token_cache::TokenCache>>,
}

/// A pooled connection for a write. On SQLite it also holds this process's writing turn
/// ([`Store::writer`]) until dropped; it derefs to the connection, and runs write transactions
/// ([`WriteConnection::transaction`]).
pub(crate) struct WriteConnection<'a> {
    /// Taken only when dropped, to give it back before waiting for the change feed.
    conn: Option<PooledConnection>,
    _turn: Option<parking_lot::MutexGuard<'a, ()>>,
    store: &'a Store,
    /// What was written here, for the token cache (PostgreSQL).
    written: Written,
}

/// What a [`WriteConnection`] wrote, as far as the token cache is concerned (PostgreSQL).
enum Written {
    /// Only transactions that listed the users they changed, these ones (maybe none).
    Users(Vec<i64>),
    /// Something it cannot tell: a statement outside [`WriteConnection::transaction`], a
    /// transaction that failed (its commit may have happened), or a list too long to keep
    /// (migration 000019). The marker notification tells when the feed has it all.
    Unknown,
}

impl WriteConnection<'_> {
    /// Runs `f` in a write transaction ([`conn::write_transaction`]). On PostgreSQL with the
    /// token cache on, it also reads, just before the commit, the users the transaction's
    /// triggers listed (`astral.changed_users`, migration 000019), so that when this
    /// connection is returned they leave this process's cache at once: no marker to send and
    /// wait for, as statements outside a transaction need.
    pub(crate) fn transaction<T>(
        &mut self,
        f: impl FnOnce(&mut AnyConnection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let tracked =
            self.store.token_cache.get().is_some() && self.store.backend == Backend::Postgres;
        let conn = self.conn.as_mut().unwrap_or_else(|| unreachable!("taken only when dropped"));
        if !tracked {
            return conn::write_transaction(conn, f);
        }
        // Set once `f` has succeeded: from then on a failure is the commit's, which may have
        // happened. Before, a failure rolls back and nothing was written.
        let mut listed = None;
        let outcome = conn::write_transaction(conn, |conn| {
            let value = f(conn)?;
            listed = Some(token_cache::changed_users(conn)?);
            Ok(value)
        });
        match (&outcome, listed, &mut self.written) {
            (Err(_), None, _) | (_, _, Written::Unknown) => {}
            (Ok(_), Some(Some(users)), Written::Users(all)) => all.extend(users),
            _ => self.written = Written::Unknown,
        }
        outcome
    }
}

/// Whatever was written on the connection is committed by now: the token cache reads the
/// change feed up to here before the write is answered (read-your-writes, `token_cache`). On
/// PostgreSQL, the users its transactions listed are dropped from the cache at once; if it
/// wrote anything else, it waits for a marker instead, with the connection back in the pool
/// first so that the wait does not hold one of the pool's few connections.
impl Drop for WriteConnection<'_> {
    fn drop(&mut self) {
        let Some(cache) = self.store.token_cache.get() else { return };
        let Some(mut conn) = self.conn.take() else { return };
        if let (Backend::Postgres, Written::Users(users)) = (self.store.backend, &mut self.written)
        {
            drop(conn);
            cache.invalidate(std::mem::take(users));
            return;
        }
        let pending = cache.written(&mut conn);
        drop(conn);
        if let Some(marker) = pending {
            cache.await_written(marker);
        }
    }
}

impl std::ops::Deref for WriteConnection<'_> {
    type Target = AnyConnection;
    fn deref(&self) -> &AnyConnection {
        self.conn.as_ref().unwrap_or_else(|| unreachable!("taken only when dropped"))
    }
}

/// A statement run on the connection directly is not in [`WriteConnection::transaction`]:
/// the token cache cannot tell what it changed.
impl std::ops::DerefMut for WriteConnection<'_> {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        self.written = Written::Unknown;
        self.conn.as_mut().unwrap_or_else(|| unreachable!("taken only when dropped"))
    }
}

/// Called after each checkout with the time waited and whether a connection was had.
pub type CheckoutObserver = Arc<dyn Fn(Duration, bool) + Send + Sync>;

/// The pool's state at one moment.
#[derive(Debug, Clone, Copy)]
pub struct PoolState {
    /// Open connections, in use and idle.
    pub connections: u32,
    pub idle_connections: u32,
    pub max_size: u32,
}

/// A SQLite database file and the identity (inode) it had when the store opened it.
/// Connections opened before the file was removed or renamed keep working on the old inode,
/// reads and writes alike, and writes to a removed file are lost when the last connection
/// closes; so every checkout first checks the path still names that same file.
#[derive(Clone)]
pub(crate) struct SqliteFile {
    path: String,
    identity: Option<u64>,
}

impl SqliteFile {
    fn identity(path: &str) -> std::io::Result<Option<u64>> {
        let metadata = std::fs::metadata(path)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            Ok(Some(metadata.ino()))
        }
        #[cfg(not(unix))]
        {
            let _ = metadata;
            Ok(None)
        }
    }

    pub(crate) fn check(&self) -> Result<(), StoreError> {
        match Self::identity(&self.path) {
            Err(e) => {
                Err(StoreError::Unavailable(format!("the SQLite file {} is gone: {e}", self.path)))
            }
            Ok(now) if now != self.identity => Err(StoreError::Unavailable(format!(
                "the SQLite file {} was replaced by another file since the server opened it \
                 (restart the server to use the new one)",
                self.path
            ))),
            Ok(_) => Ok(()),
        }
    }
}

/// How often a request waiting for a connection looks whether the database has meanwhile been
/// found unreachable (and so stops waiting).
const OUTAGE_POLL: Duration = Duration::from_millis(50);

impl Store {
    /// Connects (once directly, so that a bad URL or a server that is down reports its own
    /// error) and builds the pool. Does not migrate: call [`Store::migrate`].
    pub fn open(config: &StoreConfig) -> Result<Store, StoreError> {
        let url = DatabaseUrl::parse(&config.database_url)?;
        let backend = url.backend;
        let manager = AstralConnectionManager::new(url, config.connection.clone());
        drop(manager.establish()?);
        let health = manager.health();
        let sqlite_file = match manager.sqlite_path() {
            Some(path) => Some(SqliteFile {
                path: path.to_owned(),
                identity: SqliteFile::identity(path).map_err(|e| StoreError::Connect {
                    backend: Backend::Sqlite,
                    message: format!("{path}: {e}"),
                })?,
            }),
            None => None,
        };
        let feed_manager = manager.clone();
        let pool = r2d2::Pool::builder()
            .max_size(config.pool_size.max(1))
            // No minimum of idle connections: with one, checking out the last idle connection
            // starts a replacement connect on r2d2's worker thread, and a process that exits
            // meanwhile (the CLI does, right after its one query) tears libpq/OpenSSL down
            // under that thread and dies with SIGSEGV. Connections are made on demand (the
            // caller waits for its own) and kept until the idle timeout.
            .min_idle(Some(0))
            // Checked by `conn::vouch` instead, only when in doubt.
            .test_on_check_out(false)
            .connection_timeout(config.pool_timeout)
            .error_handler(Box::new(r2d2::LoggingErrorHandler))
            .build_unchecked(manager);
        Ok(Store {
            pool,
            backend,
            ids: SnowflakeGenerator::for_this_process(config.worker_id),
            health,
            pool_timeout: config.pool_timeout,
            sqlite_file,
            checkout_observer: std::sync::OnceLock::new(),
            sqlite_writers: (backend == Backend::Sqlite)
                .then(|| (parking_lot::Mutex::new(()), config.connection.sqlite_busy_timeout)),
            manager: feed_manager,
            token_cache: std::sync::OnceLock::new(),
        })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// A pooled connection, waiting up to the pool timeout for one. While new connections
    /// cannot be opened (the database is down), an idle connection is still used if one
    /// passes its check, and otherwise the answer is `Unavailable` at once: r2d2 keeps retrying
    /// the connect in the background (backing off up to half the pool timeout), and the first
    /// success clears the outage, so service resumes by itself.
    pub(crate) fn conn(&self) -> Result<PooledConnection, StoreError> {
        let Some(observer) = self.checkout_observer.get() else {
            return self.checkout();
        };
        let started = Instant::now();
        let conn = self.checkout();
        observer(started.elapsed(), conn.is_ok());
        conn
    }

    /// Runs `f` in a write transaction ([`conn::write_transaction`]) on a connection of the
    /// pool: the shape of every use case that changes something.
    pub(crate) fn write<T>(
        &self,
        f: impl FnOnce(&mut AnyConnection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        self.writer()?.transaction(f)
    }

    /// A connection to write on. SQLite lets one writer in at a time; this process's writers
    /// wait for their turn here, in a queue, before they take a connection, instead of all
    /// taking connections and then sleeping in SQLite's busy handler, which backs off in
    /// steps of up to 100 ms and so made the slow tail of concurrent writes
    /// (docs/performance.md). Another process's writer (the `astral` CLI) still meets the
    /// busy timeout. The turn is waited for at most the busy timeout too, then `Unavailable`
    /// (503): a write waits that long for the lock however many writers are ahead, so while
    /// another process holds the lock the queued writers answer 503 together, not one busy
    /// timeout after another. PostgreSQL writers do not queue here.
    pub(crate) fn writer(&self) -> Result<WriteConnection<'_>, StoreError> {
        let turn = match &self.sqlite_writers {
            None => None,
            Some((writers, wait)) => Some(writers.try_lock_for(*wait).ok_or_else(|| {
                StoreError::Unavailable(format!(
                    "database is locked: no turn to write within the busy timeout ({} ms)",
                    wait.as_millis()
                ))
            })?),
        };
        Ok(WriteConnection {
            conn: Some(self.conn()?),
            _turn: turn,
            store: self,
            written: Written::Users(Vec::new()),
        })
    }

    /// Runs `f` in a read-only snapshot ([`conn::read_transaction`]) on a connection of the
    /// pool: a use case that reads in several queries.
    pub(crate) fn read<T>(
        &self,
        f: impl FnOnce(&mut AnyConnection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        conn::read_transaction(&mut *self.conn()?, f)
    }

    /// Turns the token cache on (once; later calls are ignored): [`Store::token_owner`] then
    /// keeps what it reads, [`Store::cached_token_owner`] answers from it, and a thread follows
    /// the change feed (`token_cache`). The server turns it on; the CLI, which makes one
    /// lookup at most, does not.
    pub fn start_token_cache(&self, config: TokenCacheConfig) {
        self.token_cache.get_or_init(|| {
            token_cache::TokenCache::start(
                self.manager.clone(),
                self.backend,
                self.sqlite_file.clone(),
                Arc::clone(&self.health),
                config,
            )
        });
    }

    /// Waits until the token cache has read its change feed once since this call began (at
    /// most five seconds), so that another process's change committed before the call is out
    /// of it: one poll, 20 ms by default. For tests that change the database from another
    /// process (the CLI) and then use the server; returns at once when the cache is off.
    pub fn await_token_cache_feed(&self) {
        if let Some(cache) = self.token_cache.get() {
            cache.await_feed(Duration::from_secs(5));
        }
    }

    /// What the token cache answers now: hits, misses, drops, tokens held; `None` when it is
    /// off.
    pub fn token_cache_stats(&self) -> Option<TokenCacheStats> {
        self.token_cache.get().map(|c| c.stats())
    }

    /// Sets who is told about checkouts (once; later calls are ignored).
    pub fn observe_checkouts(&self, observer: CheckoutObserver) {
        let _ = self.checkout_observer.set(observer);
    }

    /// Open and idle connections now.
    pub fn pool_state(&self) -> PoolState {
        let state = self.pool.state();
        PoolState {
            connections: state.connections,
            idle_connections: state.idle_connections,
            max_size: self.pool.max_size(),
        }
    }

    fn checkout(&self) -> Result<PooledConnection, StoreError> {
        if let Some(file) = &self.sqlite_file {
            file.check()?;
        }
        let deadline = Instant::now() + self.pool_timeout;
        loop {
            let mut conn = self.pooled(deadline)?;
            if conn::vouch(&mut conn) {
                return Ok(conn);
            }
            // Found dead: the pool drops it when it is returned here; the next one, unless
            // the wait is over.
            if Instant::now() >= deadline {
                return Err(StoreError::Unavailable(
                    "no pooled connection answered within the pool timeout".to_owned(),
                ));
            }
        }
    }

    /// A pooled connection as r2d2 hands it out, unchecked, by `deadline`.
    fn pooled(&self, deadline: Instant) -> Result<PooledConnection, StoreError> {
        loop {
            if let Some(reason) = self.health.down() {
                return self.pool.try_get().ok_or(StoreError::Unavailable(reason));
            }
            let now = Instant::now();
            if now >= deadline {
                return Ok(self.pool.get_timeout(Duration::ZERO)?);
            }
            match self.pool.get_timeout(OUTAGE_POLL.min(deadline - now)) {
                Ok(conn) => return Ok(conn),
                Err(e) if Instant::now() >= deadline => return Err(e.into()),
                Err(_) => {}
            }
        }
    }

    /// A round trip to the database, for health checks. On SQLite it reads the schema, which
    /// needs a read lock, so an exclusively locked file reports busy (`SELECT 1` would not
    /// touch the file at all).
    pub fn ping(&self) -> Result<(), StoreError> {
        use diesel::connection::SimpleConnection;
        let mut conn = self.conn()?;
        match self.sqlite_file {
            None => conn.batch_execute("SELECT 1")?,
            Some(_) => conn.batch_execute("SELECT count(*) FROM sqlite_master")?,
        }
        Ok(())
    }
}
