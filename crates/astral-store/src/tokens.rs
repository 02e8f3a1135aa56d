//! API tokens. Only a SHA-256 of each token's secret part is stored, under a unique index, so
//! authenticating a request is one indexed lookup; the token itself is never stored.

use astral_types::{TokenId, UserId};
use diesel::prelude::*;

use crate::schema::{tokens, user_accounts, user_suspensions, users};
use crate::users::{has_lists, plain_user, ProfileColumns, UserRecord};
use crate::{AccountRecord, PrivateUserRecord, Store, StoreError};

/// What `token_owner` reads: the token's id and last use, its owner's user, profile and
/// account columns, and whether the owner has pride flags or members.
type TokenRow = (i64, Option<i64>, UserRecord, ProfileColumns, Option<AccountRecord>, bool);

/// The account behind a presented token.
#[derive(Debug, Clone)]
pub struct TokenOwner {
    pub token_id: TokenId,
    pub user: UserRecord,
    /// When the token was last recorded as used (epoch ms), to decide whether to record it
    /// again (`Store::touch_sessions`, issue 16 D); `None` if never.
    pub last_used_ms: Option<i64>,
    /// What the lookup learnt of the owner's own answer (`GET /users/@me`).
    pub own_profile: OwnProfileRead,
}

/// What a token lookup learnt of its owner's own answer ([`TokenOwner::own_profile`]).
#[derive(Debug, Clone)]
pub enum OwnProfileRead {
    /// The lookup was not asked to read it.
    NotRead,
    /// The owner has neither pride flags nor members (most users): the rest of their answer,
    /// read in the lookup's own statement.
    Read(Box<OwnProfile>),
    /// The owner has pride flags or members: their answer needs the several-statement read
    /// (`Store::user_with_lists`), without asking again whether they have lists.
    HasLists,
}

/// The profile and account columns of a token's owner (see [`TokenOwner::own_profile`]).
#[derive(Debug, Clone)]
pub struct OwnProfile {
    pub(crate) profile: ProfileColumns,
    pub(crate) account: Option<AccountRecord>,
}

impl OwnProfile {
    /// The owner's own answer as the token lookup read it: what `Store::user_with_profile`
    /// answered at that moment. `user` is the lookup's [`TokenOwner::user`].
    pub fn answer(&self, user: &UserRecord) -> PrivateUserRecord {
        plain_user(user.clone(), self.profile.clone(), self.account.clone())
    }
}

impl Store {
    /// Records a token for `user_id` by the hash of its secret. The id is a snowflake, so it
    /// also records when the token was issued.
    pub fn create_token(&self, user_id: UserId, secret_hash: &str) -> Result<TokenId, StoreError> {
        let id = TokenId(self.ids.next_id());
        let mut conn = self.writer()?;
        insert_token(&mut conn, id, user_id, secret_hash)?;
        Ok(id)
    }

    /// The token with this secret hash and its user, if it exists (revoked tokens don't) and
    /// its user is not suspended (`astral users suspend`): a suspended user's tokens do not
    /// authenticate, and authenticate again once the suspension is lifted. With
    /// `own_profile` (the request is `GET /users/@me`), the same statement also reads the
    /// owner's profile and account, so that a user without pride flags or members is answered
    /// from this one statement, and anyone else without asking again whether they have lists
    /// ([`TokenOwner::own_profile`]); other requests do not pay for
    /// those columns (docs/performance.md).
    pub fn token_owner(
        &self,
        secret_hash: &str,
        own_profile: bool,
    ) -> Result<Option<TokenOwner>, StoreError> {
        let Some(cache) = self.token_cache.get() else {
            return self.read_token_owner(secret_hash, own_profile);
        };
        let ticket = cache.ticket();
        let found = self.read_token_owner(secret_hash, own_profile)?;
        match &found {
            Some(owner) => cache.store(ticket, secret_hash, owner),
            None => cache.forget(secret_hash),
        }
        Ok(found)
    }

    /// [`Store::token_owner`]'s answer from the token cache, on the calling thread, if the
    /// cache holds it; `None` when it does not (or is off): then ask `token_owner`.
    pub fn cached_token_owner(&self, secret_hash: &str, own_profile: bool) -> Option<TokenOwner> {
        self.token_cache.get()?.get(secret_hash, own_profile)
    }

    /// Tells the token cache that the token's last use was recorded as `now_ms`, so that its
    /// [`TokenOwner::last_used_ms`] does not ask for the same record again.
    pub fn token_used(&self, secret_hash: &str, now_ms: i64) {
        if let Some(cache) = self.token_cache.get() {
            cache.touched(secret_hash, now_ms);
        }
    }

    fn read_token_owner(
        &self,
        secret_hash: &str,
        own_profile: bool,
    ) -> Result<Option<TokenOwner>, StoreError> {
        use diesel::dsl::{exists, not};
        let mut conn = self.conn()?;
        let suspended =
            exists(user_suspensions::table.filter(user_suspensions::user_id.eq(tokens::user_id)));
        if !own_profile {
            let found = on_backend!(&mut *conn, |c| tokens::table
                .inner_join(users::table)
                .filter(tokens::secret_hash.eq(secret_hash))
                .filter(not(suspended))
                .select((tokens::id, tokens::last_used_ms, UserRecord::as_select()))
                .get_result::<(i64, Option<i64>, UserRecord)>(c)
                .optional())?;
            return Ok(found.map(|(id, last_used_ms, user)| TokenOwner {
                token_id: TokenId::from_i64(id),
                user,
                last_used_ms,
                own_profile: OwnProfileRead::NotRead,
            }));
        }
        let found = on_backend!(&mut *conn, |c| tokens::table
            .inner_join(users::table)
            .left_join(user_accounts::table.on(user_accounts::user_id.eq(users::id)))
            .filter(tokens::secret_hash.eq(secret_hash))
            .filter(not(suspended))
            .select((
                tokens::id,
                tokens::last_used_ms,
                UserRecord::as_select(),
                ProfileColumns::as_select(),
                Option::<AccountRecord>::as_select(),
                has_lists(),
            ))
            .get_result::<TokenRow>(c)
            .optional())?;
        Ok(found.map(|(id, last_used_ms, user, profile, account, has_lists)| TokenOwner {
            token_id: TokenId::from_i64(id),
            user,
            last_used_ms,
            own_profile: if has_lists {
                OwnProfileRead::HasLists
            } else {
                OwnProfileRead::Read(Box::new(OwnProfile { profile, account }))
            },
        }))
    }

    /// Revokes one token. Revoking a token that is already gone is not an error.
    pub fn revoke_token(&self, token_id: TokenId) -> Result<(), StoreError> {
        let mut conn = self.writer()?;
        diesel::delete(tokens::table.find(token_id.as_i64())).execute(&mut *conn)?;
        Ok(())
    }
}

/// Writes a token row: the one place a token is recorded, by the hash of its secret.
pub(crate) fn insert_token(
    conn: &mut crate::AnyConnection,
    id: TokenId,
    user_id: UserId,
    secret_hash: &str,
) -> QueryResult<()> {
    diesel::insert_into(tokens::table)
        .values((
            tokens::id.eq(id.as_i64()),
            tokens::user_id.eq(user_id.as_i64()),
            tokens::secret_hash.eq(secret_hash),
        ))
        .execute(conn)?;
    Ok(())
}

/// Deletes every token of a user (their sessions end at their next request); returns how many
/// there were.
pub(crate) fn delete_user_tokens(
    conn: &mut crate::AnyConnection,
    user_id: UserId,
) -> QueryResult<usize> {
    diesel::delete(tokens::table.filter(tokens::user_id.eq(user_id.as_i64()))).execute(conn)
}
