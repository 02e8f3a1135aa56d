//! The token → owner cache (issue 18, docs/performance.md "The token cache").
//!
//! `Store::token_owner` is one statement, and with it the cost of `GET /users/@me`; the cache
//! answers a token seen recently without the database, on the calling thread. It is correct
//! only because every change to what a token lookup reads reaches it, from any process:
//!
//! - **The change feed.** Triggers (migrations 000018) record the user of every change to the
//!   rows a lookup reads: tokens (deleted, or their owner or hash changed), users, user_accounts,
//!   user_suspensions, user_pride_flags, profile_members. On SQLite they append to the table
//!   `user_changes`, which a thread of each instance reads every [`TokenCacheConfig::poll`] in
//!   `seq` order (commit order: SQLite has one writer at a time); a gap in `seq` means rows were
//!   pruned before this instance read them, and the whole cache is dropped. On PostgreSQL they
//!   send `NOTIFY astral_user_changes`, which the same thread receives on a connection of its
//!   own (`LISTEN`); a lost connection drops the whole cache and turns it off until listening
//!   again.
//! - **This process's own writes** are in the cache before they are answered: every
//!   connection this store writes on ([`crate::WriteConnection`]) reads the feed up to its own
//!   commit when it is returned (SQLite: the rows after the cursor, on that connection;
//!   PostgreSQL: a marker notification sent on that connection after its commit, waited for on
//!   the listening connection, which receives notifications in commit order).
//! - **A fill cannot undo an invalidation.** A lookup that misses takes a [`Ticket`] before it
//!   reads; if any user of the same bucket of ids is invalidated (or the cache dropped) after the
//!   ticket, the read may predate the change and is not stored.
//! - **Entries expire** after [`TokenCacheConfig::ttl`], whatever the feed says, so a change
//!   the feed failed to carry is stale at most that long.
//!
//! Memory is bounded by [`TokenCacheConfig::capacity`] tokens and as many owners; a full map
//! drops about an eighth of itself ([`make_room`]); an owner is held packed
//! ([`packed::PackedOwner`], ~0.4 KB a token in all at 100k).

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

use astral_types::TokenId;
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::BigInt;
use diesel::PgConnection;
use parking_lot::Mutex;

mod packed;

use packed::PackedOwner;

use crate::conn::{AnyConnection, AstralConnectionManager, ConnectHealth};
use crate::tokens::{OwnProfileRead, TokenOwner};
use crate::{Backend, SqliteFile, StoreError};

/// How the token cache is sized and how fresh it is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TokenCacheConfig {
    /// At most this many tokens (and as many owners) are held.
    pub capacity: usize,
    /// An entry is used for at most this long after it was read from the database.
    pub ttl: Duration,
    /// How often the change feed is read for other processes' changes: with the time a commit
    /// takes to reach the feed, the bound on how stale another process's change leaves an
    /// entry.
    pub poll: Duration,
}

impl Default for TokenCacheConfig {
    fn default() -> Self {
        TokenCacheConfig {
            capacity: 100_000,
            ttl: Duration::from_secs(30),
            poll: Duration::from_millis(20),
        }
    }
}

/// The PostgreSQL channel the triggers notify (migrations 000018).
const CHANGES_CHANNEL: &str = "astral_user_changes";

/// How many buckets user ids are spread over for [`Ticket`]s: an invalidation refuses the fills
/// of its bucket that started before it.
const BUCKETS: usize = 1024;

/// How long a write waits for its own marker notification before it drops the whole cache
/// instead (PostgreSQL).
const MARKER_WAIT: Duration = Duration::from_secs(2);

/// How often the listening connection is asked `SELECT 1`, so a connection that died quietly
/// is noticed (PostgreSQL).
const LISTENER_CHECK: Duration = Duration::from_secs(1);

/// The first 128 bits of the SHA-256 of a token's secret, from its hex form: as hard to
/// match by another secret as a 128-bit token (a second preimage, ~2^128 hashes), in half the
/// memory of the whole digest (16 bytes less per token held).
type SecretKey = [u8; 16];

fn secret_key(secret_hash: &str) -> Option<SecretKey> {
    if secret_hash.len() != 64 {
        return None;
    }
    let mut key = [0u8; 16];
    hex::decode_to_slice(secret_hash.get(..32)?, &mut key).ok()?;
    Some(key)
}

fn bucket(user_id: i64) -> usize {
    (user_id as u64 % BUCKETS as u64) as usize
}

/// What a lookup that missed learnt before it read: see the module's documentation.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Ticket {
    clock: u64,
}

struct TokenEntry {
    token_id: TokenId,
    user_id: i64,
    /// The [`OwnerEntry::version`] this token was read with: any other means its owner changed.
    version: u64,
    /// [`NEVER`] for `None`: an `Option<i64>` takes 16 bytes.
    last_used_ms: i64,
}

/// `last_used_ms` of a token never recorded as used.
const NEVER: i64 = i64::MIN;

struct OwnerEntry {
    version: u64,
    /// When it was read, in ms after the cache's `epoch` (8 bytes where an `Instant` takes 16).
    read_at_ms: u64,
    owner: Arc<PackedOwner>,
}

struct Entries {
    tokens: HashMap<SecretKey, TokenEntry>,
    owners: HashMap<i64, OwnerEntry>,
    /// Counts evictions (each drops about an eighth of a full map, a different eighth each
    /// time).
    evictions: u64,
    next_version: u64,
    /// Counts invalidations.
    clock: u64,
    /// For each bucket of user ids, `clock` at the last invalidation of one of them.
    invalidated_at: Vec<u64>,
    /// `clock` when the whole cache was last dropped.
    dropped_at: u64,
    /// What `OwnerEntry::read_at_ms` counts from.
    epoch: Instant,
}

impl Entries {
    /// Room for `capacity` entries from the start (up to 2^17), so the maps do not grow by
    /// doubling under load, which holds the old table and the new one at once (the peak RSS).
    fn new(capacity: usize) -> Entries {
        let room = capacity.min(1 << 17);
        Entries {
            tokens: HashMap::with_capacity(room),
            owners: HashMap::with_capacity(room),
            evictions: 0,
            invalidated_at: vec![0; BUCKETS],
            next_version: 0,
            clock: 0,
            dropped_at: 0,
            epoch: Instant::now(),
        }
    }

    fn invalidate(&mut self, users: impl IntoIterator<Item = i64>) {
        self.clock += 1;
        for user in users {
            self.owners.remove(&user);
            self.invalidated_at[bucket(user)] = self.clock;
        }
    }

    /// [`TokenCache::store`] under the lock.
    fn keep(
        &mut self,
        ticket: Ticket,
        key: SecretKey,
        found: &TokenOwner,
        capacity: usize,
        ttl: Duration,
    ) {
        let user_id = found.user.user_id().as_i64();
        if self.dropped_at > ticket.clock || self.invalidated_at[bucket(user_id)] > ticket.clock {
            return;
        }
        // An owner read since, not expired, is kept, unless it lacks the own answer this read
        // has: both reads are as fresh, neither having been invalidated since.
        let kept = self.owners.get(&user_id).filter(|o| {
            self.age(o) < ttl
                && (!o.owner.lacks_own_answer()
                    || matches!(found.own_profile, OwnProfileRead::NotRead))
        });
        let version =
            match kept {
                Some(o) => o.version,
                None => {
                    // Packed before anything changes: an owner too large to pack is not cached.
                    let Some(packed) = PackedOwner::pack(&found.user, &found.own_profile) else {
                        return;
                    };
                    self.next_version += 1;
                    let version = self.next_version;
                    if !self.owners.contains_key(&user_id) {
                        make_room(&mut self.owners, capacity, &mut self.evictions, |id| {
                            mix(*id as u64)
                        });
                    }
                    let owner = Arc::new(packed);
                    let read_at_ms = self.now_ms();
                    self.owners.insert(user_id, OwnerEntry { version, read_at_ms, owner });
                    version
                }
            };
        if !self.tokens.contains_key(&key) {
            make_room(&mut self.tokens, capacity, &mut self.evictions, |key| {
                u64::from_le_bytes([key[0], key[1], key[2], key[3], key[4], key[5], key[6], key[7]])
            });
        }
        let token = TokenEntry {
            token_id: found.token_id,
            user_id,
            version,
            last_used_ms: found.last_used_ms.unwrap_or(NEVER),
        };
        self.tokens.insert(key, token);
    }

    /// The owner of `key` as held, if usable.
    fn find(
        &self,
        key: &SecretKey,
        own_profile: bool,
        ttl: Duration,
    ) -> Option<(TokenId, i64, Option<i64>, Arc<PackedOwner>)> {
        let token = self.tokens.get(key)?;
        let owner = self.owners.get(&token.user_id)?;
        let usable = owner.version == token.version
            && self.age(owner) < ttl
            && !(own_profile && owner.owner.lacks_own_answer());
        let last_used_ms = (token.last_used_ms != NEVER).then_some(token.last_used_ms);
        usable.then(|| (token.token_id, token.user_id, last_used_ms, Arc::clone(&owner.owner)))
    }

    fn now_ms(&self) -> u64 {
        u64::try_from(self.epoch.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    fn age(&self, owner: &OwnerEntry) -> Duration {
        Duration::from_millis(self.now_ms().saturating_sub(owner.read_at_ms))
    }

    fn drop_all(&mut self) {
        self.clock += 1;
        self.dropped_at = self.clock;
        self.tokens.clear();
        self.owners.clear();
    }
}

/// Makes room for one more entry in a full `map` by dropping about an eighth of it: those
/// whose `spread` of the key falls in this eviction's eighth (a different one each time). A
/// pass over the map every `capacity / 8` insertions, and no list of keys kept for eviction,
/// which would cost as much memory as the keys themselves.
fn make_room<K, V>(
    map: &mut HashMap<K, V>,
    capacity: usize,
    evictions: &mut u64,
    spread: impl Fn(&K) -> u64,
) {
    while map.len() >= capacity {
        *evictions += 1;
        let eighth = *evictions % 8;
        map.retain(|key, _| spread(key) % 8 != eighth);
    }
}

/// Spreads a snowflake's bits (its low bits are a sequence and a worker id).
fn mix(value: u64) -> u64 {
    value.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 32
}

/// Counts of the cache's answers since the store opened.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TokenCacheStats {
    pub hits: u64,
    pub misses: u64,
    /// Times the whole cache was dropped (feed lost or behind, a write's marker not seen).
    pub drops: u64,
    /// Tokens held now.
    pub tokens: usize,
    /// Writes that waited for a marker notification (PostgreSQL: statements outside a
    /// transaction that lists its users, `WriteConnection::transaction`).
    pub marker_waits: u64,
}

/// The cache and its change feed, shared by the store and the feed's thread.
pub(crate) struct TokenCache {
    config: TokenCacheConfig,
    entries: Mutex<Entries>,
    /// Whether the feed is being read: while it is not, nothing is answered or stored.
    live: AtomicBool,
    feed: Feed,
    manager: AstralConnectionManager,
    /// The pool's view of the database: while new connections fail, nothing is answered.
    health: Arc<ConnectHealth>,
    hits: AtomicU64,
    misses: AtomicU64,
    marker_waits: AtomicU64,
    drops: AtomicU64,
    /// Reads of the feed by the feed thread so far.
    polls: AtomicU64,
    /// Whether the feed's loss was logged as a warning since it was last read.
    reported_down: AtomicBool,
}

enum Feed {
    Sqlite(Mutex<SqliteFeed>),
    Postgres(PgFeed),
}

struct SqliteFeed {
    /// The file as the store opened it: removed or replaced, the cache goes dark (its own
    /// connection would go on reading the old file).
    file: Option<SqliteFile>,
    /// The feed thread's own connection.
    conn: Option<AnyConnection>,
    /// The last `seq` read.
    cursor: i64,
}

struct PgFeed {
    listener: Mutex<Listener>,
    /// This instance's own channel for the markers its writes send.
    marker_channel: String,
    next_marker: AtomicU64,
}

struct Listener {
    conn: Option<PgConnection>,
    checked_at: Instant,
    /// Markers received and not yet claimed by the write that sent them.
    markers: HashSet<u64>,
}

#[derive(QueryableByName)]
struct ChangeRow {
    #[diesel(sql_type = BigInt)]
    seq: i64,
    #[diesel(sql_type = BigInt)]
    user_id: i64,
}

#[derive(QueryableByName)]
struct LastSeq {
    #[diesel(sql_type = BigInt)]
    seq: i64,
}

/// Rows read from `user_changes` per query.
const FEED_BATCH: i64 = 4096;

impl TokenCache {
    /// A cache over the database `manager` opens, with its feed connected if it can be (else
    /// off until the feed thread connects it). Starts the feed thread, which stops when the
    /// cache is dropped.
    pub(crate) fn start(
        manager: AstralConnectionManager,
        backend: Backend,
        sqlite_file: Option<SqliteFile>,
        health: Arc<ConnectHealth>,
        config: TokenCacheConfig,
    ) -> Arc<TokenCache> {
        let feed = match backend {
            Backend::Sqlite => {
                let file = sqlite_file;
                Feed::Sqlite(Mutex::new(SqliteFeed { file, conn: None, cursor: 0 }))
            }
            Backend::Postgres => Feed::Postgres(PgFeed {
                listener: Mutex::new(Listener {
                    conn: None,
                    checked_at: Instant::now(),
                    markers: HashSet::new(),
                }),
                marker_channel: format!("astral_cache_{:016x}", rand::random::<u64>()),
                next_marker: AtomicU64::new(1),
            }),
        };
        let cache = Arc::new(TokenCache {
            config: TokenCacheConfig { capacity: config.capacity.max(1), ..config },
            entries: Mutex::new(Entries::new(config.capacity.max(1))),
            live: AtomicBool::new(false),
            feed,
            manager,
            health,
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
            marker_waits: AtomicU64::new(0),
            drops: AtomicU64::new(0),
            polls: AtomicU64::new(0),
            reported_down: AtomicBool::new(false),
        });
        cache.poll();
        let weak = Arc::downgrade(&cache);
        let spawned = std::thread::Builder::new()
            .name("astral-token-cache".to_owned())
            .spawn(move || feed_thread(weak));
        if let Err(e) = spawned {
            tracing::warn!("the token cache's feed thread did not start ({e}): the cache is off");
            cache.go_dark();
        }
        cache
    }

    /// The owner of the token with this secret hash, if the cache holds it and, with
    /// `own_profile`, what the lookup learns of the owner's own answer.
    pub(crate) fn get(&self, secret_hash: &str, own_profile: bool) -> Option<TokenOwner> {
        if !self.answers() {
            return None;
        }
        let key = secret_key(secret_hash)?;
        let found = self.entries.lock().find(&key, own_profile, self.config.ttl);
        let Some((token_id, user_id, last_used_ms, owner)) = found else {
            self.misses.fetch_add(1, Ordering::Relaxed);
            return None;
        };
        self.hits.fetch_add(1, Ordering::Relaxed);
        let (user, own_profile) = owner.unpack(user_id, own_profile);
        Some(TokenOwner { token_id, user, last_used_ms, own_profile })
    }

    /// Whether the cache may answer: its feed is read, and the database can be reached (a
    /// request that could not reach it must not be answered from memory either).
    fn answers(&self) -> bool {
        self.live.load(Ordering::Acquire) && !self.health.is_down()
    }

    /// Taken by a lookup before it reads the database (see [`TokenCache::store`]).
    pub(crate) fn ticket(&self) -> Ticket {
        Ticket { clock: self.entries.lock().clock }
    }

    /// Keeps what a lookup that took `ticket` read, unless the owner's bucket was invalidated
    /// (or the cache dropped) since: the read may then predate that change.
    pub(crate) fn store(&self, ticket: Ticket, secret_hash: &str, found: &TokenOwner) {
        if !self.answers() {
            return;
        }
        let Some(key) = secret_key(secret_hash) else { return };
        self.entries.lock().keep(ticket, key, found, self.config.capacity, self.config.ttl);
    }

    /// The database knows no such token (or it does not authenticate): forget it.
    pub(crate) fn forget(&self, secret_hash: &str) {
        if let Some(key) = secret_key(secret_hash) {
            self.entries.lock().tokens.remove(&key);
        }
    }

    /// The token's last use was recorded as `now_ms`.
    pub(crate) fn touched(&self, secret_hash: &str, now_ms: i64) {
        if let Some(key) = secret_key(secret_hash) {
            if let Some(token) = self.entries.lock().tokens.get_mut(&key) {
                token.last_used_ms = now_ms;
            }
        }
    }

    /// Waits (at most `limit`) until the feed thread has read the feed once after this call
    /// began: another process's change committed before the call is then out of the cache.
    pub(crate) fn await_feed(&self, limit: Duration) {
        // The read in progress now may have begun before the change; the one after it has not.
        let target = self.polls.load(Ordering::Acquire) + 2;
        let started = Instant::now();
        while self.polls.load(Ordering::Acquire) < target && started.elapsed() < limit {
            std::thread::sleep(Duration::from_millis(1));
        }
    }

    pub(crate) fn stats(&self) -> TokenCacheStats {
        TokenCacheStats {
            hits: self.hits.load(Ordering::Relaxed),
            misses: self.misses.load(Ordering::Relaxed),
            drops: self.drops.load(Ordering::Relaxed),
            tokens: self.entries.lock().tokens.len(),
            marker_waits: self.marker_waits.load(Ordering::Relaxed),
        }
    }

    /// Drops `users` from the cache (a change the feed carries, or this process's own).
    pub(crate) fn invalidate(&self, users: Vec<i64>) {
        if !users.is_empty() {
            self.entries.lock().invalidate(users);
        }
    }

    fn drop_all(&self, why: &str) {
        tracing::debug!("the token cache is dropped: {why}");
        self.drops.fetch_add(1, Ordering::Relaxed);
        self.entries.lock().drop_all();
    }

    /// Logs that the feed cannot be read: a warning the first time, then at debug level (the
    /// feed thread retries every poll).
    fn report_down(&self, why: &str) {
        if self.reported_down.swap(true, Ordering::Relaxed) {
            tracing::debug!("the token cache is off: {why}");
        } else {
            tracing::warn!("the token cache is off until its feed is back: {why}");
        }
    }

    /// The feed is not being read: answer nothing from the cache until it is again.
    fn go_dark(&self) {
        self.live.store(false, Ordering::Release);
        self.entries.lock().drop_all();
    }

    /// Reads the feed for other processes' changes (the feed thread, every `poll`), and
    /// connects it if it is not.
    fn poll(&self) {
        match &self.feed {
            Feed::Sqlite(feed) => {
                let mut feed = feed.lock();
                if let Some(Err(e)) = feed.file.as_ref().map(SqliteFile::check) {
                    feed.conn = None;
                    self.report_down(&e.to_string());
                    self.go_dark();
                    return;
                }
                if feed.conn.is_none() {
                    match self.open_sqlite_feed(&mut feed) {
                        Ok(()) => {
                            self.live.store(true, Ordering::Release);
                            self.reported_down.store(false, Ordering::Relaxed);
                        }
                        Err(e) => {
                            self.report_down(&format!("it cannot read its feed ({e})"));
                            return;
                        }
                    }
                }
                let SqliteFeed { conn, cursor, .. } = &mut *feed;
                let read = match conn.as_mut() {
                    Some(AnyConnection::Sqlite(c)) => self.read_sqlite_feed(c, cursor),
                    _ => Ok(()),
                };
                if let Err(e) = read {
                    self.report_down(&format!("it lost its feed ({e})"));
                    feed.conn = None;
                    self.go_dark();
                }
            }
            Feed::Postgres(feed) => {
                let mut listener = feed.listener.lock();
                if listener.conn.is_none() {
                    match self.open_listener(&feed.marker_channel) {
                        Ok(conn) => {
                            listener.conn = Some(conn);
                            listener.checked_at = Instant::now();
                            // Whatever changed while nobody listened is unknown.
                            self.drop_all("listening again");
                            self.live.store(true, Ordering::Release);
                            self.reported_down.store(false, Ordering::Relaxed);
                        }
                        Err(e) => {
                            self.report_down(&format!("it cannot listen for changes ({e})"));
                            return;
                        }
                    }
                }
                let due = listener.checked_at.elapsed() >= LISTENER_CHECK;
                if let Err(e) = self.drain_listener(&mut listener, due) {
                    self.report_down(&format!("it lost its listening connection ({e})"));
                    listener.conn = None;
                    self.go_dark();
                }
            }
        }
    }

    fn open_sqlite_feed(&self, feed: &mut SqliteFeed) -> Result<(), StoreError> {
        let mut conn = r2d2::ManageConnection::connect(&self.manager)?;
        let AnyConnection::Sqlite(c) = &mut conn else {
            return Err(StoreError::Internal("a SQLite feed on another backend".to_owned()));
        };
        let last = diesel::sql_query("SELECT COALESCE(MAX(seq), 0) AS seq FROM user_changes")
            .get_result::<LastSeq>(c)?;
        // Changes before the feed was read are unknown: nothing older than this is held.
        self.entries.lock().drop_all();
        feed.cursor = last.seq;
        feed.conn = Some(conn);
        Ok(())
    }

    /// Applies the feed's rows after `cursor` and moves it past them.
    fn read_sqlite_feed(
        &self,
        conn: &mut diesel::SqliteConnection,
        cursor: &mut i64,
    ) -> Result<(), StoreError> {
        loop {
            let rows = diesel::sql_query(
                "SELECT seq, user_id FROM user_changes WHERE seq > ? ORDER BY seq LIMIT ?",
            )
            .bind::<BigInt, _>(*cursor)
            .bind::<BigInt, _>(FEED_BATCH)
            .load::<ChangeRow>(conn)?;
            let Some(last) = rows.last().map(|r| r.seq) else { return Ok(()) };
            if rows[0].seq != *cursor + 1 {
                self.drop_all("the feed was pruned past this instance's cursor");
            } else {
                self.invalidate(rows.iter().map(|r| r.user_id).collect());
            }
            *cursor = last;
            if (rows.len() as i64) < FEED_BATCH {
                return Ok(());
            }
        }
    }

    fn open_listener(&self, marker_channel: &str) -> Result<PgConnection, StoreError> {
        match r2d2::ManageConnection::connect(&self.manager)? {
            AnyConnection::Postgresql(mut c) => {
                c.batch_execute(&format!("LISTEN {CHANGES_CHANNEL}; LISTEN {marker_channel}"))?;
                Ok(c)
            }
            AnyConnection::Sqlite(_) => {
                Err(StoreError::Internal("a PostgreSQL listener on SQLite".to_owned()))
            }
        }
    }

    /// Applies the notifications received; with `check`, asks the connection `SELECT 1` first.
    fn drain_listener(&self, listener: &mut Listener, check: bool) -> Result<(), StoreError> {
        let Some(conn) = listener.conn.as_mut() else { return Ok(()) };
        if check {
            conn.batch_execute("SELECT 1")?;
            listener.checked_at = Instant::now();
        }
        let mut users = Vec::new();
        let mut unreadable = false;
        for notification in conn.notifications_iter() {
            let notification = notification?;
            if notification.channel == CHANGES_CHANNEL {
                match notification.payload.parse::<i64>() {
                    Ok(user) => users.push(user),
                    Err(_) => unreadable = true,
                }
            } else if let Ok(marker) = notification.payload.parse::<u64>() {
                listener.markers.insert(marker);
            }
        }
        if unreadable {
            self.drop_all("a change notification without a user id");
        } else {
            self.invalidate(users);
        }
        // Markers whose writer stopped waiting are never claimed.
        if listener.markers.len() > 4096 {
            listener.markers.clear();
        }
        Ok(())
    }

    /// Called with a connection this process wrote on, after its commit, to bring the cache
    /// up to that commit before the write is answered. On SQLite it reads the feed on that
    /// connection; on PostgreSQL it sends a marker on it and answers the marker, which
    /// [`TokenCache::await_written`] waits for once the connection is given back. If this
    /// cannot be done, the whole cache is dropped.
    pub(crate) fn written(&self, conn: &mut AnyConnection) -> Option<Marker> {
        if !self.live.load(Ordering::Acquire) {
            return None;
        }
        let outcome = match (&self.feed, conn) {
            (Feed::Sqlite(feed), AnyConnection::Sqlite(c)) => {
                let mut feed = feed.lock();
                let SqliteFeed { cursor, .. } = &mut *feed;
                self.read_sqlite_feed(c, cursor).map(|()| None)
            }
            (Feed::Postgres(feed), AnyConnection::Postgresql(c)) => {
                let marker = feed.next_marker.fetch_add(1, Ordering::Relaxed);
                c.batch_execute(&format!("SELECT pg_notify('{}', '{marker}')", feed.marker_channel))
                    .map(|()| Some(Marker(marker)))
                    .map_err(StoreError::from)
            }
            _ => Err(StoreError::Internal("a write on another backend than the cache's".into())),
        };
        outcome.unwrap_or_else(|e| {
            self.drop_all(&format!("a write could not read the feed: {e}"));
            None
        })
    }

    /// Waits until the listener has received `marker`: the write's own notifications, sent
    /// before it, have then been applied. Past [`MARKER_WAIT`] the whole cache is dropped.
    pub(crate) fn await_written(&self, marker: Marker) {
        let Feed::Postgres(feed) = &self.feed else { return };
        self.marker_waits.fetch_add(1, Ordering::Relaxed);
        let started = Instant::now();
        loop {
            {
                let mut listener = feed.listener.lock();
                if listener.conn.is_none() {
                    // The cache went dark and was dropped meanwhile.
                    return;
                }
                if let Err(e) = self.drain_listener(&mut listener, false) {
                    self.report_down(&format!("it lost its listening connection ({e})"));
                    listener.conn = None;
                    self.go_dark();
                    return;
                }
                if listener.markers.remove(&marker.0) {
                    return;
                }
            }
            if started.elapsed() >= MARKER_WAIT {
                self.drop_all(&format!(
                    "a write's marker did not arrive within {} ms",
                    MARKER_WAIT.as_millis()
                ));
                return;
            }
            std::thread::sleep(Duration::from_micros(100));
        }
    }
}

#[derive(QueryableByName)]
struct ChangedUsers {
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    listed: Option<String>,
}

/// The users the current transaction's triggers listed in `astral.changed_users` (PostgreSQL,
/// migration 000019), or `None` if the list was too long to keep.
pub(crate) fn changed_users(conn: &mut AnyConnection) -> Result<Option<Vec<i64>>, StoreError> {
    let row: ChangedUsers =
        diesel::sql_query("SELECT current_setting('astral.changed_users', true) AS listed")
            .get_result(conn)?;
    let listed = row.listed.unwrap_or_default();
    Ok(listed.split_terminator(',').map(|id| id.parse().ok()).collect())
}

/// A marker notification a write sent after its commit (PostgreSQL), to be waited for.
pub(crate) struct Marker(u64);

fn feed_thread(cache: Weak<TokenCache>) {
    // If this thread panics, nobody reads the feed any more: the cache must stop answering.
    struct DarkOnPanic(Weak<TokenCache>);
    impl Drop for DarkOnPanic {
        fn drop(&mut self) {
            if std::thread::panicking() {
                if let Some(cache) = self.0.upgrade() {
                    tracing::error!("the token cache's feed thread panicked: the cache is off");
                    cache.go_dark();
                }
            }
        }
    }
    let _guard = DarkOnPanic(cache.clone());
    loop {
        let Some(cache) = cache.upgrade() else { return };
        let poll = cache.config.poll;
        cache.poll();
        cache.polls.fetch_add(1, Ordering::Release);
        drop(cache);
        std::thread::sleep(poll);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::UserRecord;

    /// Migration 000019's trigger function lists each user a transaction changed, once, and
    /// past its bound lists '*' instead, which sends the write to the marker; a new
    /// transaction starts with an empty list.
    #[test]
    #[cfg_attr(not(astral_pg_tests), ignore = "set ASTRAL_TEST_DATABASE_URL to run on PostgreSQL")]
    fn postgres_transactions_list_the_users_they_changed() {
        let schema = crate::testing::PostgresSchema::for_tests();
        let store = crate::Store::open(&crate::StoreConfig::new(&schema.url)).unwrap();
        store.migrate().unwrap();
        let ids: Vec<i64> = (0..210)
            .map(|n| {
                let new = crate::NewUser {
                    username: format!("listed{n}"),
                    password_hash: None,
                    email: None,
                    global_name: None,
                    bot: false,
                };
                store.create_user(new).unwrap().user_id().as_i64()
            })
            .collect();
        let mut conn = store.conn().unwrap();
        let mut listed_by = |sql: String| {
            crate::conn::write_transaction(&mut conn, |c| {
                c.batch_execute(&sql)?;
                changed_users(c)
            })
            .unwrap()
        };
        let two = format!("{}, {}", ids[0], ids[1]);
        let twice = format!(
            "UPDATE users SET bio = 'a' WHERE id IN ({two}); UPDATE users SET bio = 'b' WHERE id IN ({two})"
        );
        let mut listed = listed_by(twice).unwrap();
        listed.sort_unstable();
        assert_eq!(listed, vec![ids[0], ids[1]]);
        assert_eq!(listed_by("SELECT 1".to_owned()), Some(vec![]), "a new transaction's list");
        let all = ids.iter().map(i64::to_string).collect::<Vec<_>>().join(", ");
        assert_eq!(listed_by(format!("UPDATE users SET bio = 'c' WHERE id IN ({all})")), None);
    }

    #[test]
    fn secret_keys_are_the_digests_first_half() {
        let hex = "00ff10".repeat(4) + "0000abcd" + &"11".repeat(16);
        let key = secret_key(&hex).unwrap();
        assert_eq!(&key[..3], &[0x00, 0xff, 0x10]);
        assert_eq!(&key[14..], &[0xab, 0xcd]);
        assert!(secret_key("abc").is_none());
        assert!(secret_key(&hex[..32]).is_none(), "half a digest");
        assert!(secret_key(&"zz".repeat(32)).is_none());
    }

    fn owner(id: i64, own_profile: OwnProfileRead) -> TokenOwner {
        TokenOwner {
            token_id: TokenId(astral_types::Snowflake::from_i64(id + 1)),
            user: UserRecord {
                id: crate::users::UserIdColumn::from(id),
                username: format!("user{id}"),
                discriminator: "0".to_owned(),
                global_name: None,
                avatar: None,
                banner: None,
                accent_color: None,
                locale: "en-US".to_owned(),
                email: None,
                verified: false,
                bot: false,
                system: false,
                mfa_enabled: false,
                flags: 0,
                premium_type: 0,
                sid: "abcde".to_owned(),
                badges: 0,
                is_admin: false,
                last_sid_reroll_ms: None,
            },
            last_used_ms: None,
            own_profile,
        }
    }

    const TTL: Duration = Duration::from_secs(60);

    #[test]
    fn a_read_that_began_before_an_invalidation_of_its_bucket_is_not_kept() {
        let mut entries = Entries::new(16);
        let key = [7u8; 16];
        let alice = owner(5, OwnProfileRead::NotRead);
        let before = Ticket { clock: entries.clock };
        entries.invalidate([5 + BUCKETS as i64]);
        entries.keep(before, key, &alice, 10, TTL);
        assert!(entries.find(&key, false, TTL).is_none(), "kept a read older than a change");
        let after = Ticket { clock: entries.clock };
        entries.keep(after, key, &alice, 10, TTL);
        assert!(entries.find(&key, false, TTL).is_some());
        // Another bucket's change does not refuse it; dropping everything does.
        let ticket = Ticket { clock: entries.clock };
        entries.invalidate([6]);
        entries.keep(ticket, [8u8; 16], &alice, 10, TTL);
        assert!(entries.find(&[8u8; 16], false, TTL).is_some());
        let ticket = Ticket { clock: entries.clock };
        entries.drop_all();
        entries.keep(ticket, [9u8; 16], &alice, 10, TTL);
        assert!(entries.find(&[9u8; 16], false, TTL).is_none());
    }

    #[test]
    fn an_invalidated_owner_is_not_answered_for_any_of_its_tokens() {
        let mut entries = Entries::new(16);
        let alice = owner(5, OwnProfileRead::NotRead);
        let ticket = Ticket { clock: entries.clock };
        entries.keep(ticket, [1u8; 16], &alice, 10, TTL);
        entries.keep(ticket, [2u8; 16], &alice, 10, TTL);
        assert!(entries.find(&[2u8; 16], false, TTL).is_some());
        entries.invalidate([5]);
        // Read again through the first token only: the second, perhaps revoked, must not come
        // back with it.
        let ticket = Ticket { clock: entries.clock };
        entries.keep(ticket, [1u8; 16], &alice, 10, TTL);
        assert!(entries.find(&[1u8; 16], false, TTL).is_some());
        assert!(entries.find(&[2u8; 16], false, TTL).is_none());
        // A request for the own answer is not served from an owner read without it.
        assert!(entries.find(&[1u8; 16], true, TTL).is_none());
        // Expired entries are not answered.
        assert!(entries.find(&[1u8; 16], false, Duration::ZERO).is_none());
    }

    #[test]
    fn a_full_map_drops_an_eighth_and_stays_within_capacity() {
        let mut map = HashMap::new();
        let mut evictions = 0;
        for i in 0..10_000u64 {
            make_room(&mut map, 1000, &mut evictions, |k| mix(*k));
            map.insert(i, ());
            assert!(map.len() <= 1000);
        }
        // 9000 keys dropped: each eviction dropped between a sixteenth and half of the map
        // (an eighth of the keys, more of those inserted since that eighth was last dropped).
        assert!((18..=144).contains(&evictions), "{evictions} evictions");
        // The newest key is always there.
        assert!(map.contains_key(&9_999));
    }
}
