//! DM and group DM channels.

use astral_types::{Snowflake, UserId};
use diesel::prelude::*;

use crate::conn::{lock_rows, read_transaction, user_at_cap, LockedRows};
use crate::relationships::{kind_of, RelationshipKind};
use crate::schema::{channel_recipients, channels, relationships, users};
use crate::users::UserRecord;
use crate::{AnyConnection, Decided, Store, StoreError};

pub const DM: i32 = 1;
pub const GROUP_DM: i32 = 3;

#[derive(Debug, Clone, PartialEq, Queryable, Selectable)]
#[diesel(table_name = channels)]
pub struct ChannelRow {
    pub id: i64,
    pub kind: i32,
    pub name: Option<String>,
    pub icon: Option<String>,
    pub owner_id: Option<i64>,
}

/// A channel with its recipients (everyone in it, the caller included).
#[derive(Debug, Clone)]
pub struct ChannelRecord {
    pub channel: ChannelRow,
    pub recipients: Vec<UserRecord>,
}

impl ChannelRecord {
    pub fn channel_id(&self) -> Snowflake {
        Snowflake::from_i64(self.channel.id)
    }
}

/// Why a channel use case did not happen. Decided inside the write transaction that would
/// have made the change, so two requests cannot both pass a check that only one of them may
/// pass, and nothing changes between a check and the act it allows; the handler maps each to
/// its Discord error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChannelRefusal {
    /// No such channel, or the user acting is not in it.
    UnknownChannel,
    /// The user to add or remove does not exist, or (to remove) is not in the channel.
    UnknownUser,
    /// A recipient of a new DM or group DM does not exist.
    InvalidRecipients,
    /// The other user of a DM blocked the one opening it.
    BlockedByRecipient,
    /// Over the group DM size limit.
    Full,
    /// Not a group DM.
    NotAGroup,
    /// Only the group DM's owner may do this.
    NotOwner,
    /// A recipient is not a friend of the person adding them, or is a bot.
    NotAFriend,
    /// A member is in the maximum number of group DMs already.
    TooManyGroups,
}

fn dm_key(a: UserId, b: UserId) -> String {
    let (x, y) = if a <= b { (a, b) } else { (b, a) };
    format!("{x}:{y}")
}

fn load(conn: &mut AnyConnection, id: i64) -> QueryResult<Option<ChannelRecord>> {
    let Some(channel) =
        channels::table.find(id).select(ChannelRow::as_select()).get_result(conn).optional()?
    else {
        return Ok(None);
    };
    let recipients = channel_recipients::table
        .inner_join(users::table.on(users::id.eq(channel_recipients::user_id)))
        .filter(channel_recipients::channel_id.eq(id))
        .order(users::id.asc())
        .select(UserRecord::as_select())
        .load(conn)?;
    Ok(Some(ChannelRecord { channel, recipients }))
}

fn recipient_count(conn: &mut AnyConnection, id: i64) -> QueryResult<i64> {
    channel_recipients::table.filter(channel_recipients::channel_id.eq(id)).count().get_result(conn)
}

/// Whether `user` may be put into a group DM by `by`: they are friends and `user` is a person.
fn addable_by(conn: &mut AnyConnection, by: UserId, user: UserId) -> QueryResult<bool> {
    let friends = relationships::table
        .inner_join(users::table.on(users::id.eq(relationships::other_id)))
        .filter(relationships::user_id.eq(by.as_i64()))
        .filter(relationships::other_id.eq(user.as_i64()))
        .filter(relationships::kind.eq(RelationshipKind::Friend as i32))
        .filter(users::bot.eq(false))
        .count()
        .get_result::<i64>(conn)?;
    Ok(friends > 0)
}

/// How many of `ids` are users (each counted once).
fn existing_users(conn: &mut AnyConnection, ids: &[i64]) -> QueryResult<usize> {
    let found: Vec<i64> =
        users::table.filter(users::id.eq_any(ids)).select(users::id).load(conn)?;
    Ok(found.len())
}

/// Whether `user` is in channel `id`.
fn is_recipient(conn: &mut AnyConnection, id: i64, user: UserId) -> QueryResult<bool> {
    Ok(channel_recipients::table.find((id, user.as_i64())).count().get_result::<i64>(conn)? > 0)
}

/// How many group DMs `user` is in.
fn group_count(conn: &mut AnyConnection, user: UserId) -> QueryResult<i64> {
    channel_recipients::table
        .inner_join(channels::table.on(channels::id.eq(channel_recipients::channel_id)))
        .filter(channel_recipients::user_id.eq(user.as_i64()))
        .filter(channels::kind.eq(GROUP_DM))
        .count()
        .get_result(conn)
}

/// Adds `user` to channel `id`, with the channel shown in their list (`open`) or not.
fn add_recipient(conn: &mut AnyConnection, id: i64, user: UserId, open: bool) -> QueryResult<()> {
    diesel::insert_into(channel_recipients::table)
        .values((
            channel_recipients::channel_id.eq(id),
            channel_recipients::user_id.eq(user.as_i64()),
            channel_recipients::open.eq(open),
        ))
        .execute(conn)?;
    Ok(())
}

/// What [`Store::open_dm`] answers when it needs to write nothing: its refusals, or the DM when
/// it exists and is open for `me`; `None` when it must be created or reopened.
fn open_dm_unchanged(
    conn: &mut AnyConnection,
    me: UserId,
    other: UserId,
    key: &str,
) -> Result<Option<Result<ChannelRecord, ChannelRefusal>>, StoreError> {
    if existing_users(conn, &[other.as_i64()])? == 0 {
        return Ok(Some(Err(ChannelRefusal::InvalidRecipients)));
    }
    if kind_of(conn, other, me)? == Some(RelationshipKind::Blocked) {
        return Ok(Some(Err(ChannelRefusal::BlockedByRecipient)));
    }
    let open: Option<(i64, bool)> = channels::table
        .inner_join(channel_recipients::table)
        .filter(channels::dm_key.eq(key))
        .filter(channel_recipients::user_id.eq(me.as_i64()))
        .select((channels::id, channel_recipients::open))
        .get_result(conn)
        .optional()?;
    match open {
        Some((id, true)) => Ok(load(conn, id)?.map(Ok)),
        _ => Ok(None),
    }
}

impl Store {
    /// The DM between `me` and `other`: created if there is none, reopened for `me` if closed.
    /// Refused if `other` does not exist or blocked `me`.
    pub fn open_dm(&self, me: UserId, other: UserId) -> Decided<ChannelRecord, ChannelRefusal> {
        let key = dm_key(me, other);
        // Most calls name a DM that exists and is open already (a client opens it before each
        // message): that is answered from a read, without the write lock (SQLite) or row
        // locks (PostgreSQL) that made concurrent calls queue (docs/performance.md).
        if let Some(decided) = self.read(|conn| open_dm_unchanged(conn, me, other, &key))? {
            return Ok(decided);
        }
        let new_id = self.ids.next_id().as_i64();
        let mut conn = self.writer()?;
        for _ in 0..3 {
            let outcome = conn.transaction(|conn| {
                if existing_users(conn, &[other.as_i64()])? == 0 {
                    return Ok(Err(ChannelRefusal::InvalidRecipients));
                }
                if kind_of(conn, other, me)? == Some(RelationshipKind::Blocked) {
                    return Ok(Err(ChannelRefusal::BlockedByRecipient));
                }
                let existing: Option<i64> = channels::table
                    .filter(channels::dm_key.eq(&key))
                    .select(channels::id)
                    .get_result(conn)
                    .optional()?;
                let id = match existing {
                    Some(id) => id,
                    None => {
                        diesel::insert_into(channels::table)
                            .values((
                                channels::id.eq(new_id),
                                channels::kind.eq(DM),
                                channels::dm_key.eq(&key),
                            ))
                            .execute(conn)?;
                        for (user, open) in [(me, true), (other, false)] {
                            add_recipient(conn, new_id, user, open)?;
                        }
                        new_id
                    }
                };
                diesel::update(channel_recipients::table.find((id, me.as_i64())))
                    .set(channel_recipients::open.eq(true))
                    .execute(conn)?;
                Ok(Ok(load(conn, id)?.ok_or(StoreError::NotFound)?))
            });
            match outcome {
                // The other side created it at this very moment: the unique key refused ours;
                // the next round finds theirs.
                Err(StoreError::Conflict(_) | StoreError::Contention(_)) => continue,
                other => return other,
            }
        }
        Err(StoreError::Unavailable("DM creation kept conflicting".into()))
    }

    /// A new group DM owned by `owner` with `members` (the owner included, each once), if they
    /// are at most `max_members`, all exist, every other member is a friend of the owner and no
    /// member is in `max_groups` group DMs already.
    pub fn create_group_dm(
        &self,
        owner: UserId,
        members: &[UserId],
        max_members: i64,
        max_groups: i64,
    ) -> Decided<ChannelRecord, ChannelRefusal> {
        if members.len() as i64 > max_members {
            return Ok(Err(ChannelRefusal::Full));
        }
        let id = self.ids.next_id().as_i64();
        let ids: Vec<i64> = members.iter().map(|m| m.as_i64()).collect();
        self.write(|conn| {
            lock_rows(conn, LockedRows::Users, &ids)?;
            if existing_users(conn, &ids)? < ids.len() {
                return Ok(Err(ChannelRefusal::InvalidRecipients));
            }
            for member in members.iter().filter(|m| **m != owner) {
                if !addable_by(conn, owner, *member)? {
                    return Ok(Err(ChannelRefusal::NotAFriend));
                }
            }
            for member in members {
                if group_count(conn, *member)? >= max_groups {
                    return Ok(Err(ChannelRefusal::TooManyGroups));
                }
            }
            diesel::insert_into(channels::table)
                .values((
                    channels::id.eq(id),
                    channels::kind.eq(GROUP_DM),
                    channels::owner_id.eq(owner.as_i64()),
                ))
                .execute(conn)?;
            for user in members {
                add_recipient(conn, id, *user, true)?;
            }
            Ok(Ok(load(conn, id)?.ok_or(StoreError::NotFound)?))
        })
    }

    /// The caller's open DMs and group DMs, by id. Two joins whatever the number of channels
    /// (never a list of ids sent back as bound parameters, which a database caps: SQLite at
    /// 32,766), each an index range scan on the caller's recipient rows.
    pub fn my_channels(&self, me: UserId) -> Result<Vec<ChannelRecord>, StoreError> {
        let mut conn = self.conn()?;
        let (mine, theirs) =
            diesel::alias!(channel_recipients as mine, channel_recipients as theirs);
        // The channels and their recipients are one snapshot.
        let (rows, members) = read_transaction(&mut conn, |conn| {
            let rows: Vec<ChannelRow> = channels::table
                .inner_join(
                    channel_recipients::table.on(channel_recipients::channel_id.eq(channels::id)),
                )
                .filter(channel_recipients::user_id.eq(me.as_i64()))
                .filter(channel_recipients::open.eq(true))
                .order(channels::id.asc())
                .select(ChannelRow::as_select())
                .load(conn)?;
            let members: Vec<(i64, UserRecord)> = mine
                .inner_join(
                    theirs.on(theirs
                        .field(channel_recipients::channel_id)
                        .eq(mine.field(channel_recipients::channel_id))),
                )
                .inner_join(
                    users::table.on(users::id.eq(theirs.field(channel_recipients::user_id))),
                )
                .filter(mine.field(channel_recipients::user_id).eq(me.as_i64()))
                .filter(mine.field(channel_recipients::open).eq(true))
                .order((theirs.field(channel_recipients::channel_id).asc(), users::id.asc()))
                .select((theirs.field(channel_recipients::channel_id), UserRecord::as_select()))
                .load(conn)?;
            Ok((rows, members))
        })?;
        let mut by_channel: std::collections::HashMap<i64, Vec<UserRecord>> =
            std::collections::HashMap::with_capacity(rows.len());
        for (channel_id, user) in members {
            by_channel.entry(channel_id).or_default().push(user);
        }
        Ok(rows
            .into_iter()
            .map(|channel| {
                let recipients = by_channel.remove(&channel.id).unwrap_or_default();
                ChannelRecord { channel, recipients }
            })
            .collect())
    }

    /// Closes a DM for `me` (it reopens with the next `open_dm`), or leaves a group DM (the
    /// ownership passes to the remaining member with the smallest id; an empty group is
    /// deleted). Returns the channel as it was.
    pub fn close_channel(
        &self,
        id: Snowflake,
        me: UserId,
    ) -> Result<Option<ChannelRecord>, StoreError> {
        self.write(|conn| {
            // Leaving may pass the ownership on: locked as for every other change of the group.
            lock_rows(conn, LockedRows::Channels, &[id.as_i64()])?;
            let Some(record) = load(conn, id.as_i64())? else {
                return Ok(None);
            };
            if !record.recipients.iter().any(|u| u.user_id() == me) {
                return Ok(None);
            }
            if record.channel.kind == DM {
                diesel::update(channel_recipients::table.find((id.as_i64(), me.as_i64())))
                    .set(channel_recipients::open.eq(false))
                    .execute(conn)?;
            } else {
                leave_group(conn, id.as_i64(), me)?;
            }
            Ok(Some(record))
        })
    }

    /// `by`, a member of the group DM `id`, adds `user` to it; `Ok(Ok(false))` if they are in
    /// it already. Refused unless `user` is a friend of `by` (and a person), the group has room
    /// and `user` is in fewer than `max_groups` group DMs. `user` is `None` when the request
    /// named no valid user id: refused as an unknown user once the channel check passes, like
    /// an id nobody has.
    pub fn add_group_recipient(
        &self,
        id: Snowflake,
        by: UserId,
        user: Option<UserId>,
        max_members: i64,
        max_groups: i64,
    ) -> Decided<bool, ChannelRefusal> {
        self.write(|conn| {
            lock_rows(conn, LockedRows::Channels, &[id.as_i64()])?;
            if !is_recipient(conn, id.as_i64(), by)? {
                return Ok(Err(ChannelRefusal::UnknownChannel));
            }
            let Some(user) = user else {
                return Ok(Err(ChannelRefusal::UnknownUser));
            };
            if existing_users(conn, &[user.as_i64()])? == 0 {
                return Ok(Err(ChannelRefusal::UnknownUser));
            }
            let kind: i32 =
                channels::table.find(id.as_i64()).select(channels::kind).get_result(conn)?;
            if kind != GROUP_DM {
                return Ok(Err(ChannelRefusal::NotAGroup));
            }
            if is_recipient(conn, id.as_i64(), user)? {
                return Ok(Ok(false));
            }
            if !addable_by(conn, by, user)? {
                return Ok(Err(ChannelRefusal::NotAFriend));
            }
            if recipient_count(conn, id.as_i64())? >= max_members {
                return Ok(Err(ChannelRefusal::Full));
            }
            if user_at_cap(conn, user, max_groups, group_count)? {
                return Ok(Err(ChannelRefusal::TooManyGroups));
            }
            add_recipient(conn, id.as_i64(), user, true)?;
            Ok(Ok(true))
        })
    }

    /// `by`, the owner of the group DM `id`, removes `user` from it (the ownership passes on if
    /// they remove themselves; an empty group is deleted). `user` is `None` when the request
    /// named no valid user id: refused as an unknown user once the channel checks pass.
    pub fn remove_group_recipient(
        &self,
        id: Snowflake,
        by: UserId,
        user: Option<UserId>,
    ) -> Decided<(), ChannelRefusal> {
        self.write(|conn| {
            lock_rows(conn, LockedRows::Channels, &[id.as_i64()])?;
            if !is_recipient(conn, id.as_i64(), by)? {
                return Ok(Err(ChannelRefusal::UnknownChannel));
            }
            let channel: ChannelRow = channels::table
                .find(id.as_i64())
                .select(ChannelRow::as_select())
                .get_result(conn)?;
            if channel.kind == DM {
                return Ok(Err(ChannelRefusal::NotAGroup));
            }
            if channel.owner_id != Some(by.as_i64()) {
                return Ok(Err(ChannelRefusal::NotOwner));
            }
            match user {
                Some(user) if is_recipient(conn, id.as_i64(), user)? => {
                    leave_group(conn, id.as_i64(), user)?;
                    Ok(Ok(()))
                }
                _ => Ok(Err(ChannelRefusal::UnknownUser)),
            }
        })
    }
}

pub(crate) fn leave_group(
    conn: &mut AnyConnection,
    id: i64,
    user: UserId,
) -> Result<(), StoreError> {
    diesel::delete(channel_recipients::table.find((id, user.as_i64()))).execute(conn)?;
    let next: Option<i64> = channel_recipients::table
        .filter(channel_recipients::channel_id.eq(id))
        .order(channel_recipients::user_id.asc())
        .select(channel_recipients::user_id)
        .first(conn)
        .optional()?;
    match next {
        None => {
            diesel::delete(channels::table.find(id)).execute(conn)?;
        }
        Some(next) => {
            diesel::update(channels::table.find(id).filter(channels::owner_id.eq(user.as_i64())))
                .set(channels::owner_id.eq(next))
                .execute(conn)?;
        }
    }
    Ok(())
}
