//! What the operators' CLI (`astral users|tokens|bots …`) reads and changes: account listings,
//! password resets, suspensions, token revocation and bot owners. Nothing here is reachable
//! through the HTTP API.
//!
//! A running server keeps none of this in memory: every request reads the token, its user and
//! the user's suspension from the database, so a change made here applies to the next request
//! of every instance. (A later cache must be invalidated through the database or Redis:
//! docs/operations.md.)

use astral_types::{TokenId, UserId};
use diesel::prelude::*;

use crate::conn::{lock_rows, read_transaction, LockedRows};
use crate::schema::{bot_owners, tokens, user_suspensions, users};
use crate::tokens::{delete_user_tokens, insert_token};
use crate::users::{fold_case, select_user, UserRecord};
use crate::{AnyConnection, Store, StoreError};

/// An administrator's suspension of an account.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = user_suspensions)]
pub struct Suspension {
    /// Epoch milliseconds.
    pub suspended_at_ms: i64,
    /// The administrator's note (shown to operators only).
    pub reason: Option<String>,
}

/// How the CLI names a token: its id, or its secret's hash.
enum TokenKey<'a> {
    Id(TokenId),
    SecretHash(&'a str),
}

/// `NotFound` unless the user `id` exists.
fn require_user(conn: &mut AnyConnection, id: UserId) -> Result<(), StoreError> {
    let known = users::table.find(id.as_i64()).count().get_result::<i64>(conn)?;
    if known == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

/// A user as the operators' CLI shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct AdminUser {
    pub user: UserRecord,
    pub suspension: Option<Suspension>,
    /// The person a bot was created for (`bots create --owner`).
    pub bot_owner: Option<UserId>,
    /// The user's tokens, oldest first (a token id is a snowflake: it holds the issue time).
    pub tokens: Vec<TokenId>,
}

/// Whether a user suspended now was suspended before.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SuspendOutcome {
    Suspended(Suspension),
    /// Already suspended: the original time is kept, the reason replaced when one was given.
    AlreadySuspended(Suspension),
}

/// The largest page `list_users` and `find_users` answer.
pub const ADMIN_PAGE_MAX: i64 = 1000;

/// Escapes `%`, `_` and the escape character itself for a `LIKE … ESCAPE '\'` pattern.
fn like_escaped(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

impl Store {
    /// Users in id order (oldest first), after `after` if given, at most `limit` (capped at
    /// [`ADMIN_PAGE_MAX`]). One snapshot.
    pub fn list_users(
        &self,
        after: Option<UserId>,
        limit: i64,
    ) -> Result<Vec<AdminUser>, StoreError> {
        let limit = limit.clamp(1, ADMIN_PAGE_MAX);
        let mut conn = self.conn()?;
        read_transaction(&mut conn, |conn| {
            let mut query = users::table.select(UserRecord::as_select()).into_boxed();
            if let Some(after) = after {
                query = query.filter(users::id.gt(after.as_i64()));
            }
            let found = query.order(users::id.asc()).limit(limit).load::<UserRecord>(conn)?;
            with_admin_details(conn, found)
        })
    }

    /// Users `query` names, in id order, at most `limit` (capped at [`ADMIN_PAGE_MAX`]): the
    /// user with that id, the one with that short id, and every user whose username or email
    /// contains it, ignoring case. One snapshot.
    pub fn find_users(&self, query: &str, limit: i64) -> Result<Vec<AdminUser>, StoreError> {
        let limit = limit.clamp(1, ADMIN_PAGE_MAX);
        // PostgreSQL refuses NUL in text (an error, not "no row"); nothing stored has one.
        if query.is_empty() || query.contains('\0') {
            return Ok(Vec::new());
        }
        let key = fold_case(query);
        let pattern = format!("%{}%", like_escaped(&key));
        let id = query.parse::<i64>().ok();
        let mut conn = self.conn()?;
        read_transaction(&mut conn, |conn| {
            // Each way of naming a user is one `or`: adding another (a phone number, say) is
            // one more line here.
            let found = users::table
                .filter(
                    users::id
                        .nullable()
                        .eq(id)
                        .or(users::sid.eq(&key))
                        .or(users::username_key.like(&pattern).escape('\\'))
                        .or(users::email_key.like(&pattern).escape('\\').assume_not_null()),
                )
                .select(UserRecord::as_select())
                .order(users::id.asc())
                .limit(limit)
                .load::<UserRecord>(conn)?;
            with_admin_details(conn, found)
        })
    }

    /// One user with their suspension, bot owner and tokens, in one snapshot; `None` if there is
    /// no such user.
    pub fn admin_user(&self, id: UserId) -> Result<Option<AdminUser>, StoreError> {
        let mut conn = self.conn()?;
        read_transaction(&mut conn, |conn| {
            let found = select_user(conn, id).optional()?;
            Ok(with_admin_details(conn, found.into_iter().collect())?.pop())
        })
    }

    /// Sets a user's password hash and revokes every token of theirs, in one transaction;
    /// returns how many tokens were revoked. `NotFound` if there is no such user.
    pub fn reset_password(&self, id: UserId, password_hash: &str) -> Result<usize, StoreError> {
        let mut conn = self.writer()?;
        conn.transaction(|conn| {
            let updated = diesel::update(users::table.find(id.as_i64()))
                .set(users::password_hash.eq(password_hash))
                .execute(conn)?;
            if updated == 0 {
                return Err(StoreError::NotFound);
            }
            Ok(delete_user_tokens(conn, id)?)
        })
    }

    /// Suspends a user at `now_ms`. Suspending a suspended user keeps the original time and
    /// replaces the reason when one is given. `NotFound` if there is no such user.
    pub fn suspend_user(
        &self,
        id: UserId,
        now_ms: i64,
        reason: Option<&str>,
    ) -> Result<SuspendOutcome, StoreError> {
        let mut conn = self.writer()?;
        conn.transaction(|conn| {
            lock_rows(conn, LockedRows::Users, &[id.as_i64()])?;
            require_user(conn, id)?;
            if let Some(mut current) = suspension_of(conn, id)? {
                if let Some(reason) = reason {
                    diesel::update(user_suspensions::table.find(id.as_i64()))
                        .set(user_suspensions::reason.eq(reason))
                        .execute(conn)?;
                    current.reason = Some(reason.to_owned());
                }
                return Ok(SuspendOutcome::AlreadySuspended(current));
            }
            diesel::insert_into(user_suspensions::table)
                .values((
                    user_suspensions::user_id.eq(id.as_i64()),
                    user_suspensions::suspended_at_ms.eq(now_ms),
                    user_suspensions::reason.eq(reason),
                ))
                .execute(conn)?;
            Ok(SuspendOutcome::Suspended(Suspension {
                suspended_at_ms: now_ms,
                reason: reason.map(str::to_owned),
            }))
        })
    }

    /// Lifts a user's suspension; returns the one lifted (`None`: the user was not suspended).
    /// `NotFound` if there is no such user.
    pub fn unsuspend_user(&self, id: UserId) -> Result<Option<Suspension>, StoreError> {
        let mut conn = self.writer()?;
        conn.transaction(|conn| {
            require_user(conn, id)?;
            let current = suspension_of(conn, id)?;
            diesel::delete(user_suspensions::table.find(id.as_i64())).execute(conn)?;
            Ok(current)
        })
    }

    /// Whether a user is suspended (login refuses them after checking the password).
    pub fn is_suspended(&self, id: UserId) -> Result<bool, StoreError> {
        let mut conn = self.conn()?;
        Ok(suspension_of(&mut conn, id)?.is_some())
    }

    /// Revokes every token of a user; returns how many there were.
    pub fn revoke_user_tokens(&self, id: UserId) -> Result<usize, StoreError> {
        let mut conn = self.writer()?;
        Ok(delete_user_tokens(&mut conn, id)?)
    }

    /// The token with this id and its user's id, if it exists.
    pub fn token_by_id(&self, id: TokenId) -> Result<Option<(TokenId, UserId)>, StoreError> {
        self.find_token(TokenKey::Id(id))
    }

    /// The token whose secret has this hash and its user's id, suspended or not.
    pub fn token_by_secret_hash(
        &self,
        secret_hash: &str,
    ) -> Result<Option<(TokenId, UserId)>, StoreError> {
        self.find_token(TokenKey::SecretHash(secret_hash))
    }

    fn find_token(&self, key: TokenKey<'_>) -> Result<Option<(TokenId, UserId)>, StoreError> {
        let mut conn = self.conn()?;
        let query = tokens::table.select((tokens::id, tokens::user_id)).into_boxed();
        let query = match key {
            TokenKey::Id(id) => query.filter(tokens::id.eq(id.as_i64())),
            TokenKey::SecretHash(hash) => query.filter(tokens::secret_hash.eq(hash)),
        };
        let found = query.get_result::<(i64, i64)>(&mut conn).optional()?;
        Ok(found.map(|(t, u)| (TokenId::from_i64(t), UserId::from_i64(u))))
    }

    /// Replaces every token of a user by one new token (`bots reset-token`), in one
    /// transaction; returns the new token's id and how many were revoked. `NotFound` if there
    /// is no such user.
    pub fn replace_tokens(
        &self,
        id: UserId,
        secret_hash: &str,
    ) -> Result<(TokenId, usize), StoreError> {
        let token_id = TokenId(self.ids.next_id());
        let mut conn = self.writer()?;
        conn.transaction(|conn| {
            lock_rows(conn, LockedRows::Users, &[id.as_i64()])?;
            require_user(conn, id)?;
            let revoked = delete_user_tokens(conn, id)?;
            insert_token(conn, token_id, id, secret_hash)?;
            Ok((token_id, revoked))
        })
    }
}

/// The user's suspension, if any.
pub(crate) fn suspension_of(
    conn: &mut AnyConnection,
    id: UserId,
) -> QueryResult<Option<Suspension>> {
    user_suspensions::table
        .find(id.as_i64())
        .select(Suspension::as_select())
        .get_result(conn)
        .optional()
}

/// `users` with their suspensions, bot owners and tokens (three queries, whatever the count).
fn with_admin_details(
    conn: &mut AnyConnection,
    users: Vec<UserRecord>,
) -> Result<Vec<AdminUser>, StoreError> {
    let ids: Vec<i64> = users.iter().map(|u| u.user_id().as_i64()).collect();
    let suspensions: std::collections::HashMap<i64, Suspension> = user_suspensions::table
        .filter(user_suspensions::user_id.eq_any(&ids))
        .select((user_suspensions::user_id, Suspension::as_select()))
        .load::<(i64, Suspension)>(conn)?
        .into_iter()
        .collect();
    let owners: std::collections::HashMap<i64, i64> = bot_owners::table
        .filter(bot_owners::bot_id.eq_any(&ids))
        .select((bot_owners::bot_id, bot_owners::owner_id))
        .load::<(i64, i64)>(conn)?
        .into_iter()
        .collect();
    let mut tokens_of: std::collections::HashMap<i64, Vec<TokenId>> =
        std::collections::HashMap::new();
    for (user, token) in tokens::table
        .filter(tokens::user_id.eq_any(&ids))
        .select((tokens::user_id, tokens::id))
        .order(tokens::id.asc())
        .load::<(i64, i64)>(conn)?
    {
        tokens_of.entry(user).or_default().push(TokenId::from_i64(token));
    }
    Ok(users
        .into_iter()
        .map(|user| {
            let id = user.user_id().as_i64();
            AdminUser {
                suspension: suspensions.get(&id).cloned(),
                bot_owner: owners.get(&id).map(|o| UserId::from_i64(*o)),
                tokens: tokens_of.remove(&id).unwrap_or_default(),
                user,
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::like_escaped;

    #[test]
    fn like_patterns_match_their_text_literally() {
        assert_eq!(like_escaped("a_b%c\\d"), "a\\_b\\%c\\\\d");
        assert_eq!(like_escaped("plain"), "plain");
    }
}
