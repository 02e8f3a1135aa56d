//! Relationships, kept consistent on both sides in one transaction each.

use std::time::{SystemTime, UNIX_EPOCH};

use astral_types::UserId;
use diesel::prelude::*;

use crate::schema::{relationships, users};
use crate::users::UserRecord;
use crate::{AnyConnection, Decided, Store, StoreError};

/// Discord's relationship types.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RelationshipKind {
    Friend = 1,
    Blocked = 2,
    Incoming = 3,
    Outgoing = 4,
}

impl RelationshipKind {
    fn from_i32(v: i32) -> Option<RelationshipKind> {
        match v {
            1 => Some(RelationshipKind::Friend),
            2 => Some(RelationshipKind::Blocked),
            3 => Some(RelationshipKind::Incoming),
            4 => Some(RelationshipKind::Outgoing),
            _ => None,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Relationship {
    pub user: UserRecord,
    pub kind: RelationshipKind,
    pub nickname: Option<String>,
    pub since_ms: i64,
}

/// Why a friend request was not made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FriendRequestRefusal {
    /// The other user blocked the sender.
    BlockedByTarget,
    /// Accepting would take one side over the friend limit.
    TooManyFriends,
}

fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}

pub(crate) fn kind_of(
    conn: &mut AnyConnection,
    a: UserId,
    b: UserId,
) -> QueryResult<Option<RelationshipKind>> {
    Ok(relationships::table
        .find((a.as_i64(), b.as_i64()))
        .select(relationships::kind)
        .get_result::<i32>(conn)
        .optional()?
        .and_then(RelationshipKind::from_i32))
}

/// Adds `a`'s row about `b`; fails on the unique key if there is one already.
fn insert(
    conn: &mut AnyConnection,
    a: UserId,
    b: UserId,
    kind: RelationshipKind,
    now: i64,
) -> QueryResult<()> {
    diesel::insert_into(relationships::table)
        .values((
            relationships::user_id.eq(a.as_i64()),
            relationships::other_id.eq(b.as_i64()),
            relationships::kind.eq(kind as i32),
            relationships::since_ms.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

fn remove(conn: &mut AnyConnection, a: UserId, b: UserId) -> QueryResult<()> {
    diesel::delete(relationships::table.find((a.as_i64(), b.as_i64()))).execute(conn)?;
    Ok(())
}

/// The two directed rows of a pair, the one keyed by the smaller user id first: every
/// transaction touching both takes its locks in this order.
fn pair_order(x: UserId, y: UserId) -> [(UserId, UserId); 2] {
    if x <= y {
        [(x, y), (y, x)]
    } else {
        [(y, x), (x, y)]
    }
}

fn friend_count(conn: &mut AnyConnection, a: UserId) -> QueryResult<i64> {
    relationships::table
        .filter(relationships::user_id.eq(a.as_i64()))
        .filter(relationships::kind.eq(RelationshipKind::Friend as i32))
        .count()
        .get_result(conn)
}

/// Runs `f` in a write transaction, again (up to 4 times) if a concurrent writer won a
/// unique-key race or the database rolled us back for contention (two users sending each
/// other requests at the same moment on PostgreSQL): the retry sees the other side's row and
/// accepts instead.
fn with_retry<T>(
    store: &Store,
    mut f: impl FnMut(&mut AnyConnection) -> Result<T, StoreError>,
) -> Result<T, StoreError> {
    let mut conn = store.writer()?;
    let mut attempts = 0;
    loop {
        attempts += 1;
        match conn.transaction(&mut f) {
            Err(StoreError::Conflict(_) | StoreError::Contention(_)) if attempts < 4 => continue,
            other => return other,
        }
    }
}

impl Store {
    /// Every relationship of `user`, oldest first.
    pub fn relationships(&self, user: UserId) -> Result<Vec<Relationship>, StoreError> {
        let mut conn = self.conn()?;
        let rows = relationships::table
            .inner_join(users::table.on(users::id.eq(relationships::other_id)))
            .filter(relationships::user_id.eq(user.as_i64()))
            .order((relationships::since_ms.asc(), relationships::other_id.asc()))
            .select((
                UserRecord::as_select(),
                relationships::kind,
                relationships::nickname,
                relationships::since_ms,
            ))
            .load::<(UserRecord, i32, Option<String>, i64)>(&mut conn)?;
        Ok(rows
            .into_iter()
            .filter_map(|(user, kind, nickname, since_ms)| {
                Some(Relationship {
                    user,
                    kind: RelationshipKind::from_i32(kind)?,
                    nickname,
                    since_ms,
                })
            })
            .collect())
    }

    /// What `a` has recorded about `b`.
    pub fn relationship_kind(
        &self,
        a: UserId,
        b: UserId,
    ) -> Result<Option<RelationshipKind>, StoreError> {
        let mut conn = self.conn()?;
        Ok(kind_of(&mut conn, a, b)?)
    }

    /// Sends a friend request from `from` to `to`, or accepts `to`'s pending request. Sending
    /// again, or to a friend, changes nothing. A block by `from` is replaced by the request.
    pub fn send_friend_request(
        &self,
        from: UserId,
        to: UserId,
        max_friends: i64,
    ) -> Decided<RelationshipKind, FriendRequestRefusal> {
        with_retry(self, |conn| {
            if kind_of(conn, to, from)? == Some(RelationshipKind::Blocked) {
                return Ok(Err(FriendRequestRefusal::BlockedByTarget));
            }
            let now = now_ms();
            match kind_of(conn, from, to)? {
                Some(RelationshipKind::Friend) => Ok(Ok(RelationshipKind::Friend)),
                Some(RelationshipKind::Outgoing) => Ok(Ok(RelationshipKind::Outgoing)),
                Some(RelationshipKind::Incoming) => {
                    if friend_count(conn, from)? >= max_friends
                        || friend_count(conn, to)? >= max_friends
                    {
                        return Ok(Err(FriendRequestRefusal::TooManyFriends));
                    }
                    for (a, b) in pair_order(from, to) {
                        remove(conn, a, b)?;
                        insert(conn, a, b, RelationshipKind::Friend, now)?;
                    }
                    Ok(Ok(RelationshipKind::Friend))
                }
                Some(RelationshipKind::Blocked) | None => {
                    if friend_count(conn, from)? >= max_friends {
                        return Ok(Err(FriendRequestRefusal::TooManyFriends));
                    }
                    remove(conn, from, to)?;
                    // Insert (not replace): if `to` sent us a request at this very moment, the
                    // unique key fails this transaction and the retry accepts theirs. Both rows
                    // in one canonical order, so two such transactions wait on each other
                    // instead of deadlocking.
                    for (a, b) in pair_order(from, to) {
                        let kind = if a == from {
                            RelationshipKind::Outgoing
                        } else {
                            RelationshipKind::Incoming
                        };
                        insert(conn, a, b, kind, now)?;
                    }
                    Ok(Ok(RelationshipKind::Outgoing))
                }
            }
        })
    }

    /// `from` blocks `to`: any friendship or pending request between them ends; a block by
    /// `to` stays.
    pub fn block(&self, from: UserId, to: UserId) -> Result<(), StoreError> {
        with_retry(self, |conn| {
            if kind_of(conn, to, from)? != Some(RelationshipKind::Blocked) {
                remove(conn, to, from)?;
            }
            remove(conn, from, to)?;
            insert(conn, from, to, RelationshipKind::Blocked, now_ms())?;
            Ok(())
        })
    }

    /// Removes a friend, cancels or declines a request, or unblocks. Nothing to remove is fine.
    pub fn remove_relationship(&self, from: UserId, to: UserId) -> Result<(), StoreError> {
        with_retry(self, |conn| {
            let mine = kind_of(conn, from, to)?;
            remove(conn, from, to)?;
            // The other side's mirror row goes too; their block of us does not.
            if matches!(
                mine,
                Some(
                    RelationshipKind::Friend
                        | RelationshipKind::Incoming
                        | RelationshipKind::Outgoing
                )
            ) && kind_of(conn, to, from)? != Some(RelationshipKind::Blocked)
            {
                remove(conn, to, from)?;
            }
            Ok(())
        })
    }

    /// Sets or clears the nickname of a friend. `Ok(false)` if they are not friends.
    pub fn set_friend_nickname(
        &self,
        from: UserId,
        to: UserId,
        nickname: Option<String>,
    ) -> Result<bool, StoreError> {
        with_retry(self, |conn| {
            let n = diesel::update(
                relationships::table
                    .find((from.as_i64(), to.as_i64()))
                    .filter(relationships::kind.eq(RelationshipKind::Friend as i32)),
            )
            .set(relationships::nickname.eq(nickname.clone()))
            .execute(conn)?;
            Ok(n == 1)
        })
    }

    /// An account by username (ignoring case), for friend requests by name.
    pub fn user_by_username(&self, username: &str) -> Result<Option<UserRecord>, StoreError> {
        let mut conn = self.conn()?;
        Ok(users::table
            .filter(users::username_key.eq(crate::users::fold_case(username)))
            .select(UserRecord::as_select())
            .get_result(&mut conn)
            .optional()?)
    }
}

/// Friends of both `a` and `b`.
pub(crate) fn mutual_friends(
    conn: &mut AnyConnection,
    a: UserId,
    b: UserId,
) -> QueryResult<Vec<UserRecord>> {
    let (r1, r2) = diesel::alias!(relationships as r1, relationships as r2);
    let ids: Vec<i64> = r1
        .inner_join(r2.on(r2.field(relationships::other_id).eq(r1.field(relationships::other_id))))
        .filter(r1.field(relationships::user_id).eq(a.as_i64()))
        .filter(r1.field(relationships::kind).eq(RelationshipKind::Friend as i32))
        .filter(r2.field(relationships::user_id).eq(b.as_i64()))
        .filter(r2.field(relationships::kind).eq(RelationshipKind::Friend as i32))
        .select(r1.field(relationships::other_id))
        .load(conn)?;
    users::table
        .filter(users::id.eq_any(ids))
        .order(users::id.asc())
        .select(UserRecord::as_select())
        .load(conn)
}
