//! Bulk seeding for the benchmark (`cargo xtask bench`, feature `bench-seed`): many people with
//! a token each, and one person in many guilds, written straight through the store's schema in
//! batched multi-row inserts. Registering 100k people over HTTP would spend minutes in argon2;
//! this writes the same rows the server's own use cases write, in seconds.
//!
//! The rows are the store's own: users through [`UserInsert`] (the struct `create_user`
//! inserts), tokens, accounts, guilds and memberships by their schema columns, so a schema
//! change that breaks these inserts breaks the build of the bench, not its results.

use std::collections::HashSet;

use astral_types::{Snowflake, TokenId, UserId};
use diesel::prelude::*;

use crate::conn::write_transaction;
use crate::schema::{guild_members, guilds, tokens, user_accounts, users};
use crate::users::{fold_case, random_discriminator, UserInsert};
use crate::{AnyConnection, Store, StoreError, SID_LENGTH};

/// Rows per INSERT statement and per transaction: 1000 users is 11,000 bound parameters, under
/// SQLite's 32,766 and PostgreSQL's 65,535.
pub const SEED_BATCH: usize = 1000;

/// A real argon2id PHC string (of a password nobody knows), so seeded people look like
/// registered ones (a password hash and an account row) without paying argon2 per row.
const SEEDED_PASSWORD_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$yPvKLmOwSVQ8fA6MZvSo/HyGNJkxCYJ7QiYP9UySwUw";

/// A multi-row INSERT, on the backend's own connection ([`on_backend!`]): diesel's
/// multi-backend connection has no batch insert (as `testing::seed_open_dms`).
macro_rules! insert_batch {
    ($conn:expr, $table:expr, $rows:expr) => {{
        on_backend!($conn, |c| diesel::insert_into($table).values($rows).execute(c))?
    }};
}

/// Short ids counted up (base 26) past the ones already taken: random ones would collide
/// among 100k rows, and each collision would cost the whole batch.
struct ShortIds {
    taken: HashSet<String>,
    next: u64,
}

impl ShortIds {
    fn load(conn: &mut AnyConnection) -> QueryResult<ShortIds> {
        let taken = users::table.select(users::sid).load::<String>(conn)?.into_iter().collect();
        Ok(ShortIds { taken, next: 0 })
    }

    fn fresh(&mut self) -> Result<String, StoreError> {
        loop {
            let mut n = self.next;
            self.next += 1;
            if n >= 26u64.pow(SID_LENGTH as u32) {
                return Err(StoreError::Internal("no short id left to seed".into()));
            }
            let mut sid = [b'a'; SID_LENGTH];
            for letter in sid.iter_mut().rev() {
                *letter = b'a' + (n % 26) as u8;
                n /= 26;
            }
            let sid = String::from_utf8_lossy(&sid).into_owned();
            if !self.taken.contains(&sid) {
                return Ok(sid);
            }
        }
    }
}

/// How long before seeding the seeded tokens were last used: more than the server's 5-minute
/// session-touch interval.
const LAST_USED_AGO_MS: i64 = 60 * 60 * 1000;

impl Store {
    /// Seeds `count` people (not bots), each with a password hash, an account row and one
    /// token whose stored secret hash is `secret_hash_for(user)` (the caller makes the token,
    /// the way the server does, and keeps its text). Returns the users' ids in seeding order.
    /// [`SEED_BATCH`] people per transaction.
    pub fn seed_people(
        &self,
        count: usize,
        mut secret_hash_for: impl FnMut(UserId) -> String,
    ) -> Result<Vec<UserId>, StoreError> {
        let mut conn = self.conn()?;
        let mut sids = ShortIds::load(&mut conn)?;
        let mut seeded = Vec::with_capacity(count);
        while seeded.len() < count {
            let n = SEED_BATCH.min(count - seeded.len());
            let (mut user_rows, mut account_rows, mut token_rows) =
                (Vec::with_capacity(n), Vec::with_capacity(n), Vec::with_capacity(n));
            for _ in 0..n {
                let id = UserId(self.ids.next_id());
                let username = format!("bench{id}");
                user_rows.push(UserInsert {
                    id: id.as_i64(),
                    username_key: fold_case(&username),
                    global_name: Some(username.clone()),
                    username,
                    discriminator: random_discriminator(),
                    locale: astral_types::locale::DEFAULT_LOCALE.to_owned(),
                    email: None,
                    email_key: None,
                    password_hash: Some(SEEDED_PASSWORD_HASH.to_owned()),
                    bot: false,
                    sid: sids.fresh()?,
                });
                // As `insert_user`: a person's password was set when the account was made.
                let created_ms = i64::try_from(id.0.timestamp_ms()).unwrap_or(i64::MAX);
                account_rows.push((
                    user_accounts::user_id.eq(id.as_i64()),
                    user_accounts::password_changed_ms.eq(Some(created_ms)),
                ));
                let token = TokenId(self.ids.next_id());
                // Last used an hour ago, as a long-lived session's token: its first request in
                // a run has its use recorded (crate::sessions), as on a real server, where
                // most tokens were last seen more than the 5-minute interval ago.
                let issued_ms = i64::try_from(token.0.timestamp_ms()).unwrap_or(i64::MAX);
                token_rows.push((
                    tokens::id.eq(token.as_i64()),
                    tokens::user_id.eq(id.as_i64()),
                    tokens::secret_hash.eq(secret_hash_for(id)),
                    tokens::last_used_ms.eq(Some(issued_ms - LAST_USED_AGO_MS)),
                ));
                seeded.push(id);
            }
            write_transaction(&mut conn, |conn| {
                insert_batch!(conn, users::table, &user_rows);
                insert_batch!(conn, user_accounts::table, &account_rows);
                insert_batch!(conn, tokens::table, &token_rows);
                Ok(())
            })?;
        }
        Ok(seeded)
    }

    /// Seeds `count` guilds owned by `member`, who is their only member (as `create_guild`
    /// leaves a new guild). Returns the guilds' ids in ascending order, the order of
    /// `GET /users/@me/guilds`. [`SEED_BATCH`] guilds per transaction.
    pub fn seed_guilds(&self, member: UserId, count: usize) -> Result<Vec<Snowflake>, StoreError> {
        let mut conn = self.conn()?;
        let joined_at_ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() as i64)
            .unwrap_or(0);
        let mut seeded = Vec::with_capacity(count);
        while seeded.len() < count {
            let n = SEED_BATCH.min(count - seeded.len());
            let (mut guild_rows, mut member_rows) = (Vec::with_capacity(n), Vec::with_capacity(n));
            for _ in 0..n {
                let id = self.ids.next_id();
                guild_rows.push((
                    guilds::id.eq(id.as_i64()),
                    guilds::name.eq(format!("bench guild {}", seeded.len() + 1)),
                    guilds::owner_id.eq(member.as_i64()),
                ));
                member_rows.push((
                    guild_members::guild_id.eq(id.as_i64()),
                    guild_members::user_id.eq(member.as_i64()),
                    guild_members::joined_at_ms.eq(joined_at_ms),
                ));
                seeded.push(id);
            }
            write_transaction(&mut conn, |conn| {
                insert_batch!(conn, guilds::table, &guild_rows);
                insert_batch!(conn, guild_members::table, &member_rows);
                Ok(())
            })?;
        }
        seeded.sort();
        Ok(seeded)
    }
}
