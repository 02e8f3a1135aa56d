//! DM and group DM channels.

use astral_types::{Snowflake, UserId};
use diesel::prelude::*;

use crate::conn::{lock_rows, write_transaction, LockedRows};
use crate::schema::{channel_recipients, channels, relationships, users};
use crate::users::UserRecord;
use crate::{AnyConnection, Store, StoreError};

/// Discord's relationship type of a friend (the same value `relationships.rs` writes).
const FRIEND: i32 = 1;

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

/// Why a group DM could not be created, or a recipient not added. Decided inside the write
/// transaction that would have made the change, so two requests cannot both pass a check
/// that only one of them may pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupRefusal {
    /// Over the group DM size limit.
    Full,
    /// Not a group DM.
    NotAGroup,
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
    let Some(channel) = channels::table
        .find(id)
        .select(ChannelRow::as_select())
        .first(conn)
        .optional()?
    else {
        return Ok(None);
    };
    let recipients = channel_recipients::table
        .inner_join(users::table.on(users::id.eq(channel_recipients::user_id)))
        .filter(channel_recipients::channel_id.eq(id))
        .order(users::id.asc())
        .select(UserRecord::as_select())
        .load(conn)?;
    Ok(Some(ChannelRecord {
        channel,
        recipients,
    }))
}

fn recipient_count(conn: &mut AnyConnection, id: i64) -> QueryResult<i64> {
    channel_recipients::table
        .filter(channel_recipients::channel_id.eq(id))
        .count()
        .get_result(conn)
}

/// Whether `user` may be put into a group DM by `by`: they are friends and `user` is a person.
fn addable_by(conn: &mut AnyConnection, by: UserId, user: UserId) -> QueryResult<bool> {
    let friends = relationships::table
        .inner_join(users::table.on(users::id.eq(relationships::other_id)))
        .filter(relationships::user_id.eq(by.as_i64()))
        .filter(relationships::other_id.eq(user.as_i64()))
        .filter(relationships::kind.eq(FRIEND))
        .filter(users::bot.eq(false))
        .count()
        .get_result::<i64>(conn)?;
    Ok(friends > 0)
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

impl Store {
    /// The DM between `me` and `other`: created if there is none, reopened for `me` if closed.
    pub fn open_dm(&self, me: UserId, other: UserId) -> Result<ChannelRecord, StoreError> {
        let key = dm_key(me, other);
        let new_id = self.ids.next_id().as_i64();
        let mut conn = self.conn()?;
        for _ in 0..3 {
            let outcome = write_transaction(&mut conn, |conn| {
                let existing: Option<i64> = channels::table
                    .filter(channels::dm_key.eq(&key))
                    .select(channels::id)
                    .first(conn)
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
                            diesel::insert_into(channel_recipients::table)
                                .values((
                                    channel_recipients::channel_id.eq(new_id),
                                    channel_recipients::user_id.eq(user.as_i64()),
                                    channel_recipients::open.eq(open),
                                ))
                                .execute(conn)?;
                        }
                        new_id
                    }
                };
                diesel::update(channel_recipients::table.find((id, me.as_i64())))
                    .set(channel_recipients::open.eq(true))
                    .execute(conn)?;
                load(conn, id)?.ok_or(StoreError::NotFound)
            });
            match outcome {
                // The other side created it at this very moment: the unique key refused ours;
                // the next round finds theirs.
                Err(StoreError::Conflict(_) | StoreError::Contention(_)) => continue,
                other => return other,
            }
        }
        Err(StoreError::Unavailable(
            "DM creation kept conflicting".into(),
        ))
    }

    /// A new group DM owned by `owner` with `members` (the owner included), if every other
    /// member is a friend of the owner and no member is in `max_groups` group DMs already.
    pub fn create_group_dm(
        &self,
        owner: UserId,
        members: &[UserId],
        max_groups: i64,
    ) -> Result<Result<ChannelRecord, GroupRefusal>, StoreError> {
        let id = self.ids.next_id().as_i64();
        let ids: Vec<i64> = members.iter().map(|m| m.as_i64()).collect();
        let mut conn = self.conn()?;
        write_transaction(&mut conn, |conn| {
            lock_rows(conn, LockedRows::Users, &ids)?;
            for member in members.iter().filter(|m| **m != owner) {
                if !addable_by(conn, owner, *member)? {
                    return Ok(Err(GroupRefusal::NotAFriend));
                }
            }
            for member in members {
                if group_count(conn, *member)? >= max_groups {
                    return Ok(Err(GroupRefusal::TooManyGroups));
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
                diesel::insert_into(channel_recipients::table)
                    .values((
                        channel_recipients::channel_id.eq(id),
                        channel_recipients::user_id.eq(user.as_i64()),
                        channel_recipients::open.eq(true),
                    ))
                    .execute(conn)?;
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
        // One read transaction, so the channels and their recipients are one snapshot.
        let (rows, members) = conn.transaction(|conn| {
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
                .order((
                    theirs.field(channel_recipients::channel_id).asc(),
                    users::id.asc(),
                ))
                .select((
                    theirs.field(channel_recipients::channel_id),
                    UserRecord::as_select(),
                ))
                .load(conn)?;
            QueryResult::Ok((rows, members))
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
                ChannelRecord {
                    channel,
                    recipients,
                }
            })
            .collect())
    }

    /// The channel, if `me` is in it.
    pub fn channel_for(
        &self,
        id: Snowflake,
        me: UserId,
    ) -> Result<Option<ChannelRecord>, StoreError> {
        let mut conn = self.conn()?;
        let member = channel_recipients::table
            .find((id.as_i64(), me.as_i64()))
            .count()
            .get_result::<i64>(&mut conn)?
            > 0;
        if !member {
            return Ok(None);
        }
        Ok(load(&mut conn, id.as_i64())?)
    }

    /// Closes a DM for `me` (it reopens with the next `open_dm`), or leaves a group DM (the
    /// ownership passes to the remaining member with the smallest id; an empty group is
    /// deleted). Returns the channel as it was.
    pub fn close_channel(
        &self,
        id: Snowflake,
        me: UserId,
    ) -> Result<Option<ChannelRecord>, StoreError> {
        let mut conn = self.conn()?;
        write_transaction(&mut conn, |conn| {
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

    /// `by` adds `user` to a group DM; `Ok(Ok(false))` if already in it. Refused unless `user`
    /// is a friend of `by` (and a person), the group has room and `user` is in fewer than
    /// `max_groups` group DMs.
    pub fn add_group_recipient(
        &self,
        id: Snowflake,
        by: UserId,
        user: UserId,
        max_members: i64,
        max_groups: i64,
    ) -> Result<Result<bool, GroupRefusal>, StoreError> {
        let mut conn = self.conn()?;
        write_transaction(&mut conn, |conn| {
            lock_rows(conn, LockedRows::Channels, &[id.as_i64()])?;
            let kind: Option<i32> = channels::table
                .find(id.as_i64())
                .select(channels::kind)
                .first(conn)
                .optional()?;
            if kind != Some(GROUP_DM) {
                return Ok(Err(GroupRefusal::NotAGroup));
            }
            let present = channel_recipients::table
                .find((id.as_i64(), user.as_i64()))
                .count()
                .get_result::<i64>(conn)?
                > 0;
            if present {
                return Ok(Ok(false));
            }
            if !addable_by(conn, by, user)? {
                return Ok(Err(GroupRefusal::NotAFriend));
            }
            if recipient_count(conn, id.as_i64())? >= max_members {
                return Ok(Err(GroupRefusal::Full));
            }
            lock_rows(conn, LockedRows::Users, &[user.as_i64()])?;
            if group_count(conn, user)? >= max_groups {
                return Ok(Err(GroupRefusal::TooManyGroups));
            }
            diesel::insert_into(channel_recipients::table)
                .values((
                    channel_recipients::channel_id.eq(id.as_i64()),
                    channel_recipients::user_id.eq(user.as_i64()),
                    channel_recipients::open.eq(true),
                ))
                .execute(conn)?;
            Ok(Ok(true))
        })
    }

    /// Removes `user` from a group DM; `Ok(false)` if they were not in it.
    pub fn remove_group_recipient(&self, id: Snowflake, user: UserId) -> Result<bool, StoreError> {
        let mut conn = self.conn()?;
        write_transaction(&mut conn, |conn| {
            let present = channel_recipients::table
                .find((id.as_i64(), user.as_i64()))
                .count()
                .get_result::<i64>(conn)?
                > 0;
            if present {
                leave_group(conn, id.as_i64(), user)?;
            }
            Ok(present)
        })
    }
}

fn leave_group(conn: &mut AnyConnection, id: i64, user: UserId) -> Result<(), StoreError> {
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
            diesel::update(
                channels::table
                    .find(id)
                    .filter(channels::owner_id.eq(user.as_i64())),
            )
            .set(channels::owner_id.eq(next))
            .execute(conn)?;
        }
    }
    Ok(())
}
