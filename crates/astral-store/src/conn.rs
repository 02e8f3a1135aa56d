//! Connections: one diesel `MultiConnection` over PostgreSQL and SQLite, and our own r2d2
//! manager that picks the backend from the URL scheme.
//!
//! Why our own manager: diesel's generic `ConnectionManager<AnyConnection>` tries each backend
//! in turn, so a PostgreSQL URL whose server is down falls through to SQLite and reports a
//! confusing SQLite error. Here the scheme decides once, and the real error comes back.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::prelude::*;
use diesel::{PgConnection, SqliteConnection};

use crate::StoreError;

#[derive(diesel::MultiConnection)]
pub enum AnyConnection {
    Postgresql(PgConnection),
    Sqlite(SqliteConnection),
}

/// Which database a URL names.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Backend {
    Postgres,
    Sqlite,
}

impl Backend {
    pub fn name(self) -> &'static str {
        match self {
            Backend::Postgres => "postgresql",
            Backend::Sqlite => "sqlite",
        }
    }
}

/// A parsed database URL: `postgres://…` / `postgresql://…` select PostgreSQL; `sqlite://PATH`,
/// `sqlite:PATH` or a plain file path select SQLite. Any other scheme is refused rather than
/// guessed at.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DatabaseUrl {
    pub backend: Backend,
    /// What the backend's `establish` takes: the full URL for PostgreSQL, the path for SQLite.
    pub target: String,
}

impl DatabaseUrl {
    pub fn parse(url: &str) -> Result<DatabaseUrl, StoreError> {
        let url = url.trim();
        if url.is_empty() {
            return Err(StoreError::Config("the database URL is empty".into()));
        }
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(DatabaseUrl { backend: Backend::Postgres, target: url.to_owned() });
        }
        let path =
            url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")).unwrap_or(url);
        if let Some((scheme, _)) = path.split_once("://") {
            return Err(StoreError::Config(format!(
                "unsupported database URL scheme `{scheme}://`: use postgres://, postgresql://, sqlite:// or a file path"
            )));
        }
        if path.is_empty() {
            return Err(StoreError::Config("the SQLite path is empty".into()));
        }
        Ok(DatabaseUrl { backend: Backend::Sqlite, target: path.to_owned() })
    }
}

/// Per-connection settings.
#[derive(Clone, Debug)]
pub struct ConnectionOptions {
    /// How long SQLite waits for a lock before giving up with SQLITE_BUSY.
    pub sqlite_busy_timeout: Duration,
    /// PostgreSQL connect timeout, added to the URL unless it sets `connect_timeout` itself.
    pub connect_timeout: Duration,
    /// PostgreSQL `statement_timeout`: bounds a statement stuck behind a lock or on a server
    /// that stopped answering queries but still accepts connections.
    pub statement_timeout: Duration,
}

impl Default for ConnectionOptions {
    fn default() -> Self {
        ConnectionOptions {
            sqlite_busy_timeout: Duration::from_secs(5),
            connect_timeout: Duration::from_secs(5),
            statement_timeout: Duration::from_secs(5),
        }
    }
}

/// Whether the last attempt to open a connection failed, and why. Set and cleared by the
/// connection manager (including r2d2's background connects), read by the store to answer at
/// once instead of making every request wait out the pool timeout while the database is away.
#[derive(Debug, Default)]
pub struct ConnectHealth {
    /// The last connect error, while connects fail.
    down: Mutex<Option<String>>,
    /// Whether `down` holds an error, read without the lock (the token cache asks on every hit).
    is_down: std::sync::atomic::AtomicBool,
}

impl ConnectHealth {
    fn failed(&self, error: &StoreError) {
        if let Ok(mut down) = self.down.lock() {
            *down = Some(error.to_string());
            self.is_down.store(true, std::sync::atomic::Ordering::Release);
        }
    }

    fn succeeded(&self) {
        if let Ok(mut down) = self.down.lock() {
            *down = None;
            self.is_down.store(false, std::sync::atomic::Ordering::Release);
        }
    }

    /// `Some(last error)` while new connections cannot be opened.
    pub fn down(&self) -> Option<String> {
        self.down.lock().ok().and_then(|d| d.clone())
    }

    /// Whether new connections cannot be opened now ([`ConnectHealth::down`] without its error).
    pub fn is_down(&self) -> bool {
        self.is_down.load(std::sync::atomic::Ordering::Acquire)
    }
}

#[derive(Clone, Debug)]
pub struct AstralConnectionManager {
    url: DatabaseUrl,
    options: ConnectionOptions,
    health: Arc<ConnectHealth>,
}

impl AstralConnectionManager {
    pub fn new(url: DatabaseUrl, options: ConnectionOptions) -> Self {
        AstralConnectionManager { url, options, health: Arc::default() }
    }

    pub fn health(&self) -> Arc<ConnectHealth> {
        Arc::clone(&self.health)
    }

    /// Opens a connection; a missing SQLite file is created (first start).
    pub fn establish(&self) -> Result<AnyConnection, StoreError> {
        self.open(true)
    }

    /// Opens a pooled connection. A missing SQLite file is an error here, not a new empty
    /// database: if the file is removed while the server runs, requests must fail (503) rather
    /// than write into a fresh database that lacks every table and every user.
    fn open(&self, create_sqlite: bool) -> Result<AnyConnection, StoreError> {
        let result = self.open_unrecorded(create_sqlite);
        match &result {
            Ok(_) => self.health.succeeded(),
            Err(e) => self.health.failed(e),
        }
        result
    }

    fn open_unrecorded(&self, create_sqlite: bool) -> Result<AnyConnection, StoreError> {
        match self.url.backend {
            Backend::Postgres => {
                let url = with_connect_timeout(&self.url.target, self.options.connect_timeout);
                let connect_error = |e: &dyn std::fmt::Display| StoreError::Connect {
                    backend: Backend::Postgres,
                    message: e.to_string(),
                };
                let mut conn = PgConnection::establish(&url).map_err(|e| connect_error(&e))?;
                conn.batch_execute(&format!(
                    "SET statement_timeout = {}",
                    self.options.statement_timeout.as_millis().max(1)
                ))
                .map_err(|e| connect_error(&e))?;
                Ok(AnyConnection::Postgresql(conn))
            }
            Backend::Sqlite => {
                let target = if create_sqlite {
                    owner_only_sqlite_files(&self.url.target).map_err(|e| StoreError::Connect {
                        backend: Backend::Sqlite,
                        message: format!("cannot restrict the database file's mode: {e}"),
                    })?;
                    self.url.target.clone()
                } else {
                    existing_file_uri(&self.url.target)
                };
                let mut conn = SqliteConnection::establish(&target).map_err(|e| {
                    StoreError::Connect { backend: Backend::Sqlite, message: e.to_string() }
                })?;
                // busy_timeout first, so that switching to WAL itself waits for a lock.
                let pragmas = format!(
                    "PRAGMA busy_timeout = {};
                     PRAGMA journal_mode = WAL;
                     PRAGMA synchronous = NORMAL;
                     PRAGMA foreign_keys = ON;",
                    self.options.sqlite_busy_timeout.as_millis()
                );
                conn.batch_execute(&pragmas).map_err(|e| StoreError::Connect {
                    backend: Backend::Sqlite,
                    message: e.to_string(),
                })?;
                Ok(AnyConnection::Sqlite(conn))
            }
        }
    }

    /// The SQLite file, if this is SQLite (for health checks).
    pub fn sqlite_path(&self) -> Option<&str> {
        (self.url.backend == Backend::Sqlite).then_some(self.url.target.as_str())
    }
}

/// The database holds password hashes and email addresses: it is made owner-only (0600) before
/// SQLite first opens it, and existing files (the database, its `-wal` and `-shm`) are tightened
/// to 0600 at start. SQLite creates the `-wal` and `-shm` files with the database file's mode,
/// so they follow. URIs (`file:…`) and `:memory:` are left to the caller.
pub fn owner_only_sqlite_files(path: &str) -> std::io::Result<()> {
    if path.starts_with("file:") || path == ":memory:" || path.is_empty() {
        return Ok(());
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        // An empty file is a valid, empty SQLite database.
        match std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(path) {
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            // A missing directory and the like: SQLite reports it in its own words.
            Err(_) => return Ok(()),
        }
        for file in [path.to_owned(), format!("{path}-wal"), format!("{path}-shm")] {
            let Ok(metadata) = std::fs::metadata(&file) else {
                continue;
            };
            let mode = metadata.permissions().mode() & 0o777;
            if mode & 0o077 != 0 {
                std::fs::set_permissions(&file, std::fs::Permissions::from_mode(mode & 0o700))?;
            }
        }
    }
    Ok(())
}

/// `file:PATH?mode=rw`: SQLite opens the file read-write but never creates it. `%`, `?` and
/// `#` are the characters a URI path must escape.
fn existing_file_uri(path: &str) -> String {
    if path.starts_with("file:") || path == ":memory:" {
        return path.to_owned();
    }
    let escaped = path.replace('%', "%25").replace('?', "%3f").replace('#', "%23");
    format!("file:{escaped}?mode=rw")
}

fn with_connect_timeout(url: &str, timeout: Duration) -> String {
    if url.contains("connect_timeout=") {
        return url.to_owned();
    }
    let sep = if url.contains('?') { '&' } else { '?' };
    // libpq takes whole seconds and treats values below 2 as 2.
    format!("{url}{sep}connect_timeout={}", timeout.as_secs().max(2))
}

impl r2d2::ManageConnection for AstralConnectionManager {
    type Connection = AnyConnection;
    type Error = StoreError;

    fn connect(&self) -> Result<AnyConnection, StoreError> {
        self.open(false)
    }

    /// r2d2 does not call this on checkout (`test_on_check_out(false)`): [`vouch`] asks a
    /// PostgreSQL connection only when it is in doubt. A SQLite connection is a file handle in
    /// this process: nothing can break it, and the file's own checks (removed, replaced) run
    /// on each checkout in `Store::checkout`; so it is never asked.
    fn is_valid(&self, conn: &mut AnyConnection) -> Result<(), StoreError> {
        match conn {
            AnyConnection::Sqlite(_) => Ok(()),
            AnyConnection::Postgresql(_) => {
                conn.batch_execute("SELECT 1").map_err(StoreError::from)
            }
        }
    }

    /// A connection returned to the pool in the middle of a transaction (a panic inside one) is
    /// not reused.
    fn has_broken(&self, conn: &mut AnyConnection) -> bool {
        let status =
            <AnyConnection as Connection>::TransactionManager::transaction_manager_status_mut(conn);
        !matches!(status.transaction_depth(), Ok(None))
    }
}

/// How long a PostgreSQL connection may sit unused in the pool and still be handed out
/// without a `SELECT 1` first. A connection can die while idle (a restart, a proxy or firewall
/// cutting idle connections after minutes); one in steady use is known good from its last use.
const VOUCHED_IDLE: std::time::Duration = std::time::Duration::from_secs(1);

/// Bumped whenever a statement failed in a way that may mean its connection is gone (a closed
/// connection, a server shutting down, any error the store does not understand): every pooled
/// connection is then checked once at its next checkout, since a restart kills them all at
/// once while each is only found dead when next used.
static DOUBTS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

pub(crate) fn doubt_connections() {
    DOUBTS.fetch_add(1, std::sync::atomic::Ordering::AcqRel);
}

/// A pooled connection's record of when it was last handed out and the doubts it had seen
/// then (r2d2 keeps it with the connection, as an extension).
struct Vouched {
    at: std::time::Instant,
    doubts: u64,
}

/// Whether a freshly checked-out connection may be used. r2d2's own check (`test_on_check_out`)
/// runs a `SELECT 1` before every checkout: a round trip per checkout (docs/performance.md).
/// Here a PostgreSQL connection is asked only when it is in doubt: never handed out before,
/// idle longer than [`VOUCHED_IDLE`], or older than the last [`doubt_connections`]. One that
/// fails is marked broken, so the pool drops it when it is returned, and the caller takes
/// another. SQLite connections are never asked.
pub(crate) fn vouch(conn: &mut crate::PooledConnection) -> bool {
    use std::sync::atomic::Ordering;
    if matches!(**conn, AnyConnection::Sqlite(_)) {
        return true;
    }
    let now = std::time::Instant::now();
    let doubts = DOUBTS.load(Ordering::Acquire);
    if let Some(last) = r2d2::PooledConnection::extensions_mut(conn).get_mut::<Vouched>() {
        if last.doubts == doubts && now.duration_since(last.at) < VOUCHED_IDLE {
            last.at = now;
            return true;
        }
    }
    if conn.batch_execute("SELECT 1").is_err() {
        <AnyConnection as Connection>::TransactionManager::transaction_manager_status_mut(conn)
            .set_in_error();
        return false;
    }
    r2d2::PooledConnection::extensions_mut(conn).insert(Vouched { at: now, doubts });
    true
}

/// Runs `f` in a write transaction. On SQLite it begins `IMMEDIATE`: the write lock is taken
/// up front (waiting up to `busy_timeout`), so a transaction never fails half-way with
/// SQLITE_BUSY when it upgrades from reading to writing.
pub fn write_transaction<T, F>(conn: &mut AnyConnection, f: F) -> Result<T, StoreError>
where
    F: FnOnce(&mut AnyConnection) -> Result<T, StoreError>,
{
    match conn {
        AnyConnection::Sqlite(c) => {
            AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE")?
        }
        AnyConnection::Postgresql(c) => {
            <PgConnection as Connection>::TransactionManager::begin_transaction(c)?
        }
    }
    finish_transaction(conn, f)
}

/// Runs `f` in a read-only transaction whose reads all see one snapshot, so that what a use
/// case reads in several queries (a page and its counts, a channel list and its recipients)
/// is consistent. PostgreSQL's default isolation (READ COMMITTED) gives each statement its own
/// snapshot, hence `REPEATABLE READ` (read-only: it cannot fail to serialize). On SQLite in
/// WAL mode a deferred transaction reads one snapshot from its first read on.
pub fn read_transaction<T, F>(conn: &mut AnyConnection, f: F) -> Result<T, StoreError>
where
    F: FnOnce(&mut AnyConnection) -> Result<T, StoreError>,
{
    match conn {
        AnyConnection::Sqlite(c) => AnsiTransactionManager::begin_transaction_sql(c, "BEGIN")?,
        AnyConnection::Postgresql(c) => AnsiTransactionManager::begin_transaction_sql(
            c,
            "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
        )?,
    }
    finish_transaction(conn, f)
}

/// Runs `f` in the transaction just begun: commits on success, rolls back on error.
fn finish_transaction<T, F>(conn: &mut AnyConnection, f: F) -> Result<T, StoreError>
where
    F: FnOnce(&mut AnyConnection) -> Result<T, StoreError>,
{
    match f(conn) {
        Ok(value) => {
            <AnyConnection as Connection>::TransactionManager::commit_transaction(conn)?;
            Ok(value)
        }
        Err(e) => {
            if let Err(rollback) =
                <AnyConnection as Connection>::TransactionManager::rollback_transaction(conn)
            {
                tracing::warn!(error = %rollback, "rollback failed");
            }
            Err(e)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The bundled SQLite is built with the flags of .cargo/config.toml (`LIBSQLITE3_FLAGS`):
    /// without the planner stability guarantee every statement with a bound LIMIT is prepared
    /// again on each execution, and with memory statistics each allocation takes a global
    /// mutex (docs/performance.md). A build that lost them is slower, not wrong, so this is
    /// the test that notices.
    #[test]
    fn the_bundled_sqlite_has_the_planner_guarantee_and_no_memory_statistics() {
        #[derive(diesel::QueryableByName)]
        struct CompileOption {
            #[diesel(sql_type = diesel::sql_types::Text)]
            compile_options: String,
        }
        let mut conn = SqliteConnection::establish(":memory:").unwrap();
        let options: Vec<String> =
            diesel::sql_query("SELECT compile_options FROM pragma_compile_options")
                .load::<CompileOption>(&mut conn)
                .unwrap()
                .into_iter()
                .map(|o| o.compile_options)
                .collect();
        assert!(options.iter().any(|o| o == "ENABLE_QPSG"), "{options:?}");
        assert!(options.iter().any(|o| o == "DEFAULT_MEMSTATUS=0"), "{options:?}");
    }

    #[test]
    fn scheme_picks_the_backend() {
        let pg = DatabaseUrl::parse("postgres://u@localhost/db").unwrap();
        assert_eq!(pg.backend, Backend::Postgres);
        let pg2 = DatabaseUrl::parse("postgresql://localhost/db").unwrap();
        assert_eq!(pg2.backend, Backend::Postgres);
        assert_eq!(
            DatabaseUrl::parse("sqlite://data/astral.db").unwrap(),
            DatabaseUrl { backend: Backend::Sqlite, target: "data/astral.db".into() }
        );
        assert_eq!(DatabaseUrl::parse("astral.db").unwrap().target, "astral.db");
        assert_eq!(DatabaseUrl::parse("sqlite:/tmp/x.db").unwrap().target, "/tmp/x.db");
        assert!(matches!(DatabaseUrl::parse("mysql://x/y"), Err(StoreError::Config(_))));
        assert!(matches!(DatabaseUrl::parse(""), Err(StoreError::Config(_))));
    }

    #[test]
    fn pooled_sqlite_connections_never_create_the_file() {
        assert_eq!(existing_file_uri("/tmp/a.db"), "file:/tmp/a.db?mode=rw");
        assert_eq!(existing_file_uri("/tmp/50%?#.db"), "file:/tmp/50%25%3f%23.db?mode=rw");
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.db").display().to_string();
        let manager = AstralConnectionManager::new(
            DatabaseUrl::parse(&path).unwrap(),
            ConnectionOptions::default(),
        );
        assert!(matches!(manager.open(false), Err(StoreError::Connect { .. })));
        assert!(manager.health().down().is_some());
        assert!(!std::path::Path::new(&path).exists());
        manager.establish().unwrap();
        assert!(manager.health().down().is_none());
        assert!(manager.open(false).is_ok());
    }

    #[test]
    fn connect_timeout_is_added_once() {
        assert_eq!(
            with_connect_timeout("postgres://h/db", Duration::from_secs(5)),
            "postgres://h/db?connect_timeout=5"
        );
        assert_eq!(
            with_connect_timeout("postgres://h/db?sslmode=disable", Duration::from_secs(1)),
            "postgres://h/db?sslmode=disable&connect_timeout=2"
        );
        assert_eq!(
            with_connect_timeout("postgres://h/db?connect_timeout=9", Duration::from_secs(5)),
            "postgres://h/db?connect_timeout=9"
        );
    }
}

/// Rows a write transaction locks before it counts what it is about to add to (per-user caps,
/// group sizes, invites per guild).
#[derive(Debug, Clone, Copy)]
pub(crate) enum LockedRows {
    Users,
    Channels,
    Guilds,
}

/// On PostgreSQL, locks these rows until the transaction ends, so a count taken under the lock
/// stays true until this transaction has added to it, and concurrent check-then-insert
/// transactions run one after the other. In id order, so transactions locking overlapping sets
/// wait on each other instead of deadlocking. `FOR NO KEY UPDATE` blocks neither readers nor the
/// key-share locks that inserts referencing these rows take. SQLite needs nothing:
/// `write_transaction` holds its one write lock from the start.
pub(crate) fn lock_rows(
    conn: &mut AnyConnection,
    rows: LockedRows,
    ids: &[i64],
) -> QueryResult<()> {
    if let AnyConnection::Postgresql(pg) = conn {
        // A fixed name per variant: nothing of the request reaches the statement's text.
        let table = match rows {
            LockedRows::Users => "users",
            LockedRows::Channels => "channels",
            LockedRows::Guilds => "guilds",
        };
        diesel::sql_query(format!(
            "SELECT id FROM {table} WHERE id = ANY($1) ORDER BY id FOR NO KEY UPDATE"
        ))
        .bind::<diesel::sql_types::Array<diesel::sql_types::BigInt>, _>(ids)
        .execute(pg)?;
    }
    Ok(())
}

/// Locks `user`'s row and answers whether they already have `max` of something capped per
/// user (guilds, group DMs, pride flags, members; `count` counts theirs). Under the lock the
/// count stays true until this transaction has inserted, so concurrent creations cannot both
/// pass the cap; every per-user cap is checked this one way.
pub(crate) fn user_at_cap(
    conn: &mut AnyConnection,
    user: astral_types::UserId,
    max: i64,
    count: impl FnOnce(&mut AnyConnection, astral_types::UserId) -> QueryResult<i64>,
) -> QueryResult<bool> {
    lock_rows(conn, LockedRows::Users, &[user.as_i64()])?;
    Ok(count(conn, user)? >= max)
}
