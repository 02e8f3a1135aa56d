//! Guilds: creation, membership (by invite, or a bot added by the owner), keyset-paginated
//! listing, leaving.

use std::collections::HashMap;
use std::time::{SystemTime, UNIX_EPOCH};

use astral_types::{Snowflake, UserId};
use diesel::prelude::*;
use rand::Rng;

use crate::conn::{lock_rows, write_transaction, LockedRows};
use crate::schema::{guild_invites, guild_members, guilds};
use crate::{AnyConnection, Store, StoreError};

#[derive(Debug, Clone, PartialEq, Queryable, Selectable)]
#[diesel(table_name = guilds)]
pub struct GuildRecord {
    pub id: i64,
    pub name: String,
    pub icon: Option<String>,
    pub banner: Option<String>,
    pub owner_id: i64,
}

impl GuildRecord {
    pub fn guild_id(&self) -> Snowflake {
        Snowflake::from_i64(self.id)
    }
    pub fn owner(&self) -> UserId {
        UserId::from_i64(self.owner_id)
    }
}

/// Which page of a user's guilds (ordered by id): Discord's `before` / `after` / `limit`.
#[derive(Debug, Clone, Copy)]
pub struct GuildPage {
    pub before: Option<Snowflake>,
    pub after: Option<Snowflake>,
    pub limit: i64,
}

/// Why a guild could not be created or joined, or an invite not made. Decided inside the
/// write transaction that would have made the change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GuildRefusal {
    /// The user is in the maximum number of guilds already.
    TooManyGuilds,
    /// The guild has the maximum number of invites already.
    TooManyInvites,
}

fn guild_count(conn: &mut AnyConnection, user: UserId) -> QueryResult<i64> {
    guild_members::table
        .filter(guild_members::user_id.eq(user.as_i64()))
        .count()
        .get_result(conn)
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

fn invite_code() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
    let mut rng = rand::thread_rng();
    (0..10)
        .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char)
        .collect()
}

impl Store {
    /// Creates a guild owned by `owner`, who becomes its first member, unless they are in
    /// `max_guilds` guilds already.
    pub fn create_guild(
        &self,
        owner: UserId,
        name: String,
        max_guilds: i64,
    ) -> Result<Result<GuildRecord, GuildRefusal>, StoreError> {
        let record = GuildRecord {
            id: self.ids.next_id().as_i64(),
            name,
            icon: None,
            banner: None,
            owner_id: owner.as_i64(),
        };
        let mut conn = self.conn()?;
        write_transaction(&mut conn, |conn| {
            lock_rows(conn, LockedRows::Users, &[owner.as_i64()])?;
            if guild_count(conn, owner)? >= max_guilds {
                return Ok(Err(GuildRefusal::TooManyGuilds));
            }
            diesel::insert_into(guilds::table)
                .values((
                    guilds::id.eq(record.id),
                    guilds::name.eq(&record.name),
                    guilds::owner_id.eq(record.owner_id),
                ))
                .execute(conn)?;
            diesel::insert_into(guild_members::table)
                .values((
                    guild_members::guild_id.eq(record.id),
                    guild_members::user_id.eq(record.owner_id),
                    guild_members::joined_at_ms.eq(now_ms()),
                ))
                .execute(conn)?;
            Ok(Ok(()))
        })
        .map(|created| created.map(|()| record))
    }

    pub fn guild(&self, id: Snowflake) -> Result<Option<GuildRecord>, StoreError> {
        let mut conn = self.conn()?;
        Ok(guilds::table
            .find(id.as_i64())
            .select(GuildRecord::as_select())
            .first(&mut conn)
            .optional()?)
    }

    /// When `user` joined `guild`, if they are a member.
    pub fn membership(&self, guild: Snowflake, user: UserId) -> Result<Option<i64>, StoreError> {
        let mut conn = self.conn()?;
        Ok(guild_members::table
            .find((guild.as_i64(), user.as_i64()))
            .select(guild_members::joined_at_ms)
            .first(&mut conn)
            .optional()?)
    }

    /// Adds `user` to `guild`. `Ok(Ok(false))` if they were a member already (also when a
    /// concurrent request added them first: the primary key decides), whatever their number
    /// of guilds. With `max_guilds`, refused when they are in that many guilds already.
    pub fn add_member(
        &self,
        guild: Snowflake,
        user: UserId,
        max_guilds: Option<i64>,
    ) -> Result<Result<bool, GuildRefusal>, StoreError> {
        let mut conn = self.conn()?;
        let outcome = write_transaction(&mut conn, |conn| {
            lock_rows(conn, LockedRows::Users, &[user.as_i64()])?;
            let member = guild_members::table
                .find((guild.as_i64(), user.as_i64()))
                .count()
                .get_result::<i64>(conn)?
                > 0;
            if member {
                return Ok(Ok(false));
            }
            if let Some(max) = max_guilds {
                if guild_count(conn, user)? >= max {
                    return Ok(Err(GuildRefusal::TooManyGuilds));
                }
            }
            diesel::insert_into(guild_members::table)
                .values((
                    guild_members::guild_id.eq(guild.as_i64()),
                    guild_members::user_id.eq(user.as_i64()),
                    guild_members::joined_at_ms.eq(now_ms()),
                ))
                .execute(conn)?;
            Ok(Ok(true))
        });
        match outcome {
            Err(StoreError::Conflict(_)) => Ok(Ok(false)),
            other => other,
        }
    }

    /// Removes a membership; `Ok(false)` if there was none.
    pub fn remove_member(&self, guild: Snowflake, user: UserId) -> Result<bool, StoreError> {
        let mut conn = self.conn()?;
        let n = diesel::delete(guild_members::table.find((guild.as_i64(), user.as_i64())))
            .execute(&mut conn)?;
        Ok(n == 1)
    }

    /// One page of `user`'s guilds, ascending by id. With `before`, the page that ends just
    /// before it; otherwise the page that starts just after `after`. The cost depends on the
    /// page size only: an index range scan on `(user_id, guild_id)`.
    pub fn my_guilds(&self, user: UserId, page: GuildPage) -> Result<Vec<GuildRecord>, StoreError> {
        let mut conn = self.conn()?;
        let mut query = guild_members::table
            .inner_join(guilds::table)
            .filter(guild_members::user_id.eq(user.as_i64()))
            .select(GuildRecord::as_select())
            .limit(page.limit)
            .into_boxed();
        if let Some(after) = page.after {
            query = query.filter(guild_members::guild_id.gt(after.as_i64()));
        }
        let rows = if let Some(before) = page.before {
            let mut rows: Vec<GuildRecord> = query
                .filter(guild_members::guild_id.lt(before.as_i64()))
                .order(guild_members::guild_id.desc())
                .load(&mut conn)?;
            rows.reverse();
            rows
        } else {
            query.order(guild_members::guild_id.asc()).load(&mut conn)?
        };
        Ok(rows)
    }

    /// Member counts of several guilds, in one query.
    pub fn member_counts(&self, guild_ids: &[i64]) -> Result<HashMap<i64, i64>, StoreError> {
        let mut conn = self.conn()?;
        let rows: Vec<(i64, i64)> = guild_members::table
            .filter(guild_members::guild_id.eq_any(guild_ids))
            .group_by(guild_members::guild_id)
            .select((guild_members::guild_id, diesel::dsl::count_star()))
            .load(&mut conn)?;
        Ok(rows.into_iter().collect())
    }

    /// A new invite code for `guild`, unless it has `max_invites` already.
    pub fn create_invite(
        &self,
        guild: Snowflake,
        inviter: UserId,
        max_invites: i64,
    ) -> Result<Result<String, GuildRefusal>, StoreError> {
        let mut conn = self.conn()?;
        loop {
            let code = invite_code();
            let inserted = write_transaction(&mut conn, |conn| {
                lock_rows(conn, LockedRows::Guilds, &[guild.as_i64()])?;
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
                Ok(Ok(code.clone()))
            });
            match inserted {
                // A code collision (57^10 codes): draw again.
                Err(StoreError::Conflict(_)) => continue,
                other => return other,
            }
        }
    }

    /// The guild an invite code leads to.
    pub fn invite_guild(&self, code: &str) -> Result<Option<Snowflake>, StoreError> {
        let mut conn = self.conn()?;
        Ok(guild_invites::table
            .find(code)
            .select(guild_invites::guild_id)
            .first::<i64>(&mut conn)
            .optional()?
            .map(Snowflake::from_i64))
    }

    /// Guilds both users are members of, by id.
    pub fn mutual_guilds(&self, a: UserId, b: UserId) -> Result<Vec<Snowflake>, StoreError> {
        let mut conn = self.conn()?;
        let (m1, m2) = diesel::alias!(guild_members as m1, guild_members as m2);
        let ids: Vec<i64> = m1
            .inner_join(
                m2.on(m2
                    .field(guild_members::guild_id)
                    .eq(m1.field(guild_members::guild_id))),
            )
            .filter(m1.field(guild_members::user_id).eq(a.as_i64()))
            .filter(m2.field(guild_members::user_id).eq(b.as_i64()))
            .order(m1.field(guild_members::guild_id).asc())
            .select(m1.field(guild_members::guild_id))
            .load(&mut conn)?;
        Ok(ids.into_iter().map(Snowflake::from_i64).collect())
    }
}
