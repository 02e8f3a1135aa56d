//! Guilds: creation, membership (by invite, or a bot added by the owner), keyset-paginated
//! listing, leaving. One method per use case, each deciding inside one transaction.

use std::collections::HashMap;
use std::time::{SystemTime, UNIX_EPOCH};

use astral_types::{Snowflake, UserId};
use diesel::prelude::*;
use rand::Rng;

use crate::conn::{lock_rows, user_at_cap, LockedRows};
use crate::schema::{guild_invites, guild_members, guilds, users};
use crate::users::{select_user, UserRecord};
use crate::{AnyConnection, Decided, Store, StoreError};

#[derive(Debug, Clone, PartialEq, Queryable, Selectable)]
#[diesel(table_name = guilds)]
pub struct GuildRecord {
    pub id: i64,
    pub name: String,
    pub icon: Option<String>,
    pub banner: Option<String>,
    pub owner_id: i64,
}

owned_record_ids!(GuildRecord { guild_id: id, owner: owner_id });

/// Which page of a user's guilds (ordered by id).
pub type GuildPage = crate::IdPage;

/// A guild and how many members it has, read together.
#[derive(Debug, Clone, PartialEq)]
pub struct GuildWithCount {
    pub guild: GuildRecord,
    pub member_count: i64,
}

/// One guild of a user's list, with its member count when it was asked for.
#[derive(Debug, Clone, PartialEq)]
pub struct ListedGuild {
    pub guild: GuildRecord,
    pub member_count: Option<i64>,
}

/// A membership: the guild, the member and when they joined (epoch milliseconds).
#[derive(Debug, Clone, PartialEq)]
pub struct MemberRecord {
    pub guild: GuildRecord,
    pub user: UserRecord,
    pub joined_at_ms: i64,
}

/// An invite code and the guild it leads to.
#[derive(Debug, Clone, PartialEq)]
pub struct InviteRecord {
    pub code: String,
    pub guild_id: Snowflake,
}

/// What adding a bot to a guild did.
#[derive(Debug, Clone, PartialEq)]
pub enum BotAdded {
    /// The bot is a member now: the membership as it was made (boxed: the other variant is
    /// empty).
    Added(Box<MemberRecord>),
    /// It was one already (also when a concurrent request added it first).
    AlreadyMember,
}

/// Why a guild use case did not happen. Decided inside the transaction that would have made
/// the change (or, for reads, the one that read the answer), so a check and the act it allows
/// see the same rows; the handler maps each to its Discord error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GuildRefusal {
    /// No such guild; for leaving, also one the user is not in.
    UnknownGuild,
    /// The user is not a member of the guild.
    NotAMember,
    /// Only the guild's owner may do this.
    NotOwner,
    /// No such user.
    UnknownUser,
    /// Owners add bot accounts only; people join by invite.
    NotABot,
    /// The owner cannot leave their guild.
    OwnerCannotLeave,
    /// No such invite code.
    UnknownInvite,
    /// The user is in the maximum number of guilds already.
    TooManyGuilds,
    /// The guild has the maximum number of invites already.
    TooManyInvites,
    // issue 16 D
    /// A new owner who is not a member of the guild, is a bot, or whose account is disabled.
    InvalidOwner,
}

fn guild_count(conn: &mut AnyConnection, user: UserId) -> QueryResult<i64> {
    guild_members::table.filter(guild_members::user_id.eq(user.as_i64())).count().get_result(conn)
}

fn member_count(conn: &mut AnyConnection, guild: i64) -> QueryResult<i64> {
    guild_members::table.filter(guild_members::guild_id.eq(guild)).count().get_result(conn)
}

fn find_guild(conn: &mut AnyConnection, guild: Snowflake) -> QueryResult<Option<GuildRecord>> {
    guilds::table.find(guild.as_i64()).select(GuildRecord::as_select()).get_result(conn).optional()
}

/// When `user` joined `guild`, if they are a member.
fn joined_at(conn: &mut AnyConnection, guild: i64, user: UserId) -> QueryResult<Option<i64>> {
    guild_members::table
        .find((guild, user.as_i64()))
        .select(guild_members::joined_at_ms)
        .get_result(conn)
        .optional()
}

/// Makes `user` a member of `guild`; returns when they joined (epoch milliseconds).
fn insert_member(conn: &mut AnyConnection, guild: i64, user: UserId) -> QueryResult<i64> {
    let joined_at_ms = now_ms();
    diesel::insert_into(guild_members::table)
        .values((
            guild_members::guild_id.eq(guild),
            guild_members::user_id.eq(user.as_i64()),
            guild_members::joined_at_ms.eq(joined_at_ms),
        ))
        .execute(conn)?;
    Ok(joined_at_ms)
}

fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}

fn invite_code() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
    let mut rng = rand::thread_rng();
    (0..10).map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char).collect()
}

impl Store {
    /// Creates a guild owned by `owner`, who becomes its first member, unless they are in
    /// `max_guilds` guilds already.
    pub fn create_guild(
        &self,
        owner: UserId,
        name: String,
        max_guilds: i64,
    ) -> Decided<GuildWithCount, GuildRefusal> {
        let guild = GuildRecord {
            id: self.ids.next_id().as_i64(),
            name,
            icon: None,
            banner: None,
            owner_id: owner.as_i64(),
        };
        self.write(|conn| {
            if user_at_cap(conn, owner, max_guilds, guild_count)? {
                return Ok(Err(GuildRefusal::TooManyGuilds));
            }
            diesel::insert_into(guilds::table)
                .values((
                    guilds::id.eq(guild.id),
                    guilds::name.eq(&guild.name),
                    guilds::owner_id.eq(guild.owner_id),
                ))
                .execute(conn)?;
            insert_member(conn, guild.id, owner)?;
            let member_count = member_count(conn, guild.id)?;
            Ok(Ok(GuildWithCount { guild, member_count }))
        })
    }

    /// The guild with its member count, if `user` is a member of it.
    pub fn guild_for_member(
        &self,
        guild: Snowflake,
        user: UserId,
    ) -> Decided<GuildWithCount, GuildRefusal> {
        // The membership and the count are one snapshot.
        self.read(|conn| {
            let Some(record) = find_guild(conn, guild)? else {
                return Ok(Err(GuildRefusal::UnknownGuild));
            };
            if joined_at(conn, record.id, user)?.is_none() {
                return Ok(Err(GuildRefusal::NotAMember));
            }
            let member_count = member_count(conn, record.id)?;
            Ok(Ok(GuildWithCount { guild: record, member_count }))
        })
    }

    /// `user`'s membership of `guild`; `None` for a guild that does not exist or that they
    /// are not in.
    pub fn my_membership(
        &self,
        guild: Snowflake,
        user: UserId,
    ) -> Result<Option<MemberRecord>, StoreError> {
        let mut conn = self.conn()?;
        Ok(guild_members::table
            .inner_join(guilds::table)
            .inner_join(users::table.on(users::id.eq(guild_members::user_id)))
            .filter(guild_members::guild_id.eq(guild.as_i64()))
            .filter(guild_members::user_id.eq(user.as_i64()))
            .select((
                GuildRecord::as_select(),
                UserRecord::as_select(),
                guild_members::joined_at_ms,
            ))
            .get_result::<(GuildRecord, UserRecord, i64)>(&mut conn)
            .optional()?
            .map(|(guild, user, joined_at_ms)| MemberRecord { guild, user, joined_at_ms }))
    }

    /// The owner `by` adds the bot account `bot` to `guild`, as when an owner authorises a bot.
    /// `bot` is `None` when the request named no valid user id: refused as an unknown user
    /// once the guild checks pass, like an id nobody has. Bots have no guild limit.
    pub fn add_bot_to_guild(
        &self,
        guild: Snowflake,
        by: UserId,
        bot: Option<UserId>,
    ) -> Decided<BotAdded, GuildRefusal> {
        let outcome = self.write(|conn| {
            let Some(record) = find_guild(conn, guild)? else {
                return Ok(Err(GuildRefusal::UnknownGuild));
            };
            if record.owner() != by {
                return Ok(Err(GuildRefusal::NotOwner));
            }
            let Some(bot) = bot else {
                return Ok(Err(GuildRefusal::UnknownUser));
            };
            lock_rows(conn, LockedRows::Users, &[bot.as_i64()])?;
            let Some(user) = select_user(conn, bot).optional()? else {
                return Ok(Err(GuildRefusal::UnknownUser));
            };
            if !user.bot {
                return Ok(Err(GuildRefusal::NotABot));
            }
            if joined_at(conn, record.id, bot)?.is_some() {
                return Ok(Ok(BotAdded::AlreadyMember));
            }
            let joined_at_ms = insert_member(conn, record.id, bot)?;
            Ok(Ok(BotAdded::Added(Box::new(MemberRecord { guild: record, user, joined_at_ms }))))
        });
        match outcome {
            // A concurrent request added it first: the primary key decided.
            Err(StoreError::Conflict(_)) => Ok(Ok(BotAdded::AlreadyMember)),
            other => other,
        }
    }

    /// `user` joins the guild an invite code leads to, unless they are in `max_guilds` guilds
    /// already. Joining again, as a member, changes nothing (whatever their number of guilds).
    pub fn accept_invite(
        &self,
        code: &str,
        user: UserId,
        max_guilds: i64,
    ) -> Decided<InviteRecord, GuildRefusal> {
        // PostgreSQL refuses NUL in text (an error, not "no row"); no code contains one.
        if code.contains('\0') {
            return Ok(Err(GuildRefusal::UnknownInvite));
        }
        let mut conn = self.writer()?;
        let mut guild_id = None;
        let outcome = conn.transaction(|conn| {
            let Some(guild) = guild_invites::table
                .find(code)
                .select(guild_invites::guild_id)
                .get_result::<i64>(conn)
                .optional()?
            else {
                return Ok(Err(GuildRefusal::UnknownInvite));
            };
            guild_id = Some(guild);
            lock_rows(conn, LockedRows::Users, &[user.as_i64()])?;
            if joined_at(conn, guild, user)?.is_none() {
                if guild_count(conn, user)? >= max_guilds {
                    return Ok(Err(GuildRefusal::TooManyGuilds));
                }
                insert_member(conn, guild, user)?;
            }
            Ok(Ok(InviteRecord { code: code.to_owned(), guild_id: Snowflake::from_i64(guild) }))
        });
        match (outcome, guild_id) {
            // A concurrent request made them a member first: the primary key decided.
            (Err(StoreError::Conflict(_)), Some(guild)) => {
                Ok(Ok(InviteRecord { code: code.to_owned(), guild_id: Snowflake::from_i64(guild) }))
            }
            (other, _) => other,
        }
    }

    /// `user` leaves `guild`. Refused as unknown for a guild that does not exist or that they
    /// are not in; the owner cannot leave.
    pub fn leave_guild(&self, guild: Snowflake, user: UserId) -> Decided<(), GuildRefusal> {
        self.write(|conn| {
            let Some(record) = find_guild(conn, guild)? else {
                return Ok(Err(GuildRefusal::UnknownGuild));
            };
            if record.owner() == user {
                return Ok(Err(GuildRefusal::OwnerCannotLeave));
            }
            let removed = diesel::delete(guild_members::table.find((record.id, user.as_i64())))
                .execute(conn)?;
            Ok(if removed == 1 { Ok(()) } else { Err(GuildRefusal::UnknownGuild) })
        })
    }

    /// One page of `user`'s guilds, ascending by id, with their member counts if `with_counts`.
    /// With `before`, the page that ends just before it; otherwise the page that starts just
    /// after `after`. The cost depends on the page size only: an index range scan on
    /// `(user_id, guild_id)`, and the counts in one grouped query.
    pub fn my_guilds(
        &self,
        user: UserId,
        page: GuildPage,
        with_counts: bool,
    ) -> Result<Vec<ListedGuild>, StoreError> {
        // The page and its counts are one snapshot.
        self.read(|conn| {
            let mut query = guild_members::table
                .inner_join(guilds::table)
                .filter(guild_members::user_id.eq(user.as_i64()))
                .select(GuildRecord::as_select())
                .limit(page.limit)
                .into_boxed();
            if let Some(after) = page.after {
                query = query.filter(guild_members::guild_id.gt(after.as_i64()));
            }
            let guilds = if let Some(before) = page.before {
                let mut rows: Vec<GuildRecord> = query
                    .filter(guild_members::guild_id.lt(before.as_i64()))
                    .order(guild_members::guild_id.desc())
                    .load(conn)?;
                rows.reverse();
                rows
            } else {
                query.order(guild_members::guild_id.asc()).load(conn)?
            };
            let mut counts = if with_counts {
                let ids: Vec<i64> = guilds.iter().map(|g| g.id).collect();
                let rows: Vec<(i64, i64)> = guild_members::table
                    .filter(guild_members::guild_id.eq_any(ids))
                    .group_by(guild_members::guild_id)
                    .select((guild_members::guild_id, diesel::dsl::count_star()))
                    .load(conn)?;
                Some(rows.into_iter().collect::<HashMap<i64, i64>>())
            } else {
                None
            };
            Ok(guilds
                .into_iter()
                .map(|guild| ListedGuild {
                    member_count: counts.as_mut().map(|c| c.remove(&guild.id).unwrap_or(0)),
                    guild,
                })
                .collect())
        })
    }

    /// A new invite to `guild` from one of its members, unless it has `max_invites` already.
    pub fn create_invite(
        &self,
        guild: Snowflake,
        inviter: UserId,
        max_invites: i64,
    ) -> Decided<InviteRecord, GuildRefusal> {
        let mut conn = self.writer()?;
        loop {
            let code = invite_code();
            let inserted = conn.transaction(|conn| {
                lock_rows(conn, LockedRows::Guilds, &[guild.as_i64()])?;
                if find_guild(conn, guild)?.is_none() {
                    return Ok(Err(GuildRefusal::UnknownGuild));
                }
                if joined_at(conn, guild.as_i64(), inviter)?.is_none() {
                    return Ok(Err(GuildRefusal::NotAMember));
                }
                let invites: i64 = guild_invites::table
                    .filter(guild_invites::guild_id.eq(guild.as_i64()))
                    .count()
                    .get_result(conn)?;
                if invites >= max_invites {
                    return Ok(Err(GuildRefusal::TooManyInvites));
                }
                diesel::insert_into(guild_invites::table)
                    .values((
                        guild_invites::code.eq(&code),
                        guild_invites::guild_id.eq(guild.as_i64()),
                        guild_invites::inviter_id.eq(inviter.as_i64()),
                    ))
                    .execute(conn)?;
                Ok(Ok(InviteRecord { code: code.clone(), guild_id: guild }))
            });
            match inserted {
                // A code collision (57^10 codes): draw again.
                Err(StoreError::Conflict(_)) => continue,
                other => return other,
            }
        }
    }
}

// issue 16 D: the owner renames their guild, hands it over, or deletes it.
impl Store {
    /// The owner `by` renames `guild` and/or hands it to `new_owner`; answers the guild as it
    /// is afterwards. Refused for an unknown guild, a caller who is not a member, or not the
    /// owner; a new owner must be a member, a person (not a bot) and active. In one
    /// transaction on the locked guild row (and the new owner's row).
    pub fn update_guild(
        &self,
        guild: Snowflake,
        by: UserId,
        name: Option<String>,
        new_owner: Option<UserId>,
    ) -> Decided<GuildWithCount, GuildRefusal> {
        self.write(|conn| {
            lock_rows(conn, LockedRows::Guilds, &[guild.as_i64()])?;
            let Some(mut record) = find_guild(conn, guild)? else {
                return Ok(Err(GuildRefusal::UnknownGuild));
            };
            if joined_at(conn, record.id, by)?.is_none() {
                return Ok(Err(GuildRefusal::NotAMember));
            }
            if record.owner() != by {
                return Ok(Err(GuildRefusal::NotOwner));
            }
            if let Some(owner) = new_owner.filter(|o| *o != by) {
                lock_rows(conn, LockedRows::Users, &[owner.as_i64()])?;
                let person = select_user(conn, owner).optional()?.is_some_and(|u| !u.bot);
                if !person
                    || joined_at(conn, record.id, owner)?.is_none()
                    || !crate::lifecycle::is_active(conn, owner)?
                {
                    return Ok(Err(GuildRefusal::InvalidOwner));
                }
                diesel::update(guilds::table.find(record.id))
                    .set(guilds::owner_id.eq(owner.as_i64()))
                    .execute(conn)?;
                record.owner_id = owner.as_i64();
            }
            if let Some(name) = name {
                diesel::update(guilds::table.find(record.id))
                    .set(guilds::name.eq(&name))
                    .execute(conn)?;
                record.name = name;
            }
            let member_count = member_count(conn, record.id)?;
            Ok(Ok(GuildWithCount { guild: record, member_count }))
        })
    }

    /// The owner `by` deletes `guild`, with its memberships and invites. Refused for an
    /// unknown guild, a caller who is not a member, or not the owner.
    pub fn delete_guild(&self, guild: Snowflake, by: UserId) -> Decided<(), GuildRefusal> {
        self.write(|conn| {
            lock_rows(conn, LockedRows::Guilds, &[guild.as_i64()])?;
            let Some(record) = find_guild(conn, guild)? else {
                return Ok(Err(GuildRefusal::UnknownGuild));
            };
            if joined_at(conn, record.id, by)?.is_none() {
                return Ok(Err(GuildRefusal::NotAMember));
            }
            if record.owner() != by {
                return Ok(Err(GuildRefusal::NotOwner));
            }
            // The foreign keys cascade too; said here so the rule does not rest on them.
            diesel::delete(guild_invites::table.filter(guild_invites::guild_id.eq(record.id)))
                .execute(conn)?;
            diesel::delete(guild_members::table.filter(guild_members::guild_id.eq(record.id)))
                .execute(conn)?;
            diesel::delete(guilds::table.find(record.id)).execute(conn)?;
            Ok(Ok(()))
        })
    }
}

/// Guilds both users are members of, by id.
pub(crate) fn mutual_guilds(
    conn: &mut AnyConnection,
    a: UserId,
    b: UserId,
) -> QueryResult<Vec<Snowflake>> {
    let (m1, m2) = diesel::alias!(guild_members as m1, guild_members as m2);
    let ids: Vec<i64> = m1
        .inner_join(m2.on(m2.field(guild_members::guild_id).eq(m1.field(guild_members::guild_id))))
        .filter(m1.field(guild_members::user_id).eq(a.as_i64()))
        .filter(m2.field(guild_members::user_id).eq(b.as_i64()))
        .order(m1.field(guild_members::guild_id).asc())
        .select(m1.field(guild_members::guild_id))
        .load(conn)?;
    Ok(ids.into_iter().map(Snowflake::from_i64).collect())
}
