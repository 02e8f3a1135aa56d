//! Sessions (issue 16 D): a session is a token, listed with when it was last used and the
//! client that logged in (`GET /auth/sessions`), and ended by id (`POST /auth/sessions/logout`).

use astral_types::{TokenId, UserId};
use diesel::prelude::*;

use crate::conn::{lock_rows, LockedRows};
use crate::lifecycle::{lifecycle_of, LifecycleRefusal};
use crate::schema::tokens;
use crate::tokens::insert_token;
use crate::{Decided, Store, StoreError};

/// One session as `GET /auth/sessions` lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRecord {
    pub token_id: TokenId,
    /// When the token was last recorded as used (epoch ms); `None` if never.
    pub last_used_ms: Option<i64>,
    pub client_os: Option<String>,
    pub client_platform: Option<String>,
}

/// The client a token was issued to, from the login's `User-Agent`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SessionClient {
    pub os: Option<String>,
    pub platform: Option<String>,
}

/// Tokens one last-use statement names at most (a bound parameter each; both backends allow
/// thousands).
pub const TOUCH_STATEMENT: usize = 512;

impl Store {
    /// Issues a token for a login (with a password, with a second factor) or a registration:
    /// records it with its client and `now_ms` as its last use, in
    /// one transaction on the locked user row that refuses an account its owner disabled or
    /// scheduled for deletion meanwhile (a disable that commits between the login's checks and
    /// this write cannot leave a working token behind).
    pub fn create_session(
        &self,
        user: UserId,
        secret_hash: &str,
        client: SessionClient,
        now_ms: i64,
    ) -> Decided<TokenId, LifecycleRefusal> {
        let id = TokenId(self.ids.next_id());
        self.write(|conn| {
            lock_rows(conn, LockedRows::Users, &[user.as_i64()])?;
            if let Some(refusal) = lifecycle_of(conn, user)?.and_then(|l| l.refusal()) {
                return Ok(Err(refusal));
            }
            insert_session_token(conn, id, user, secret_hash, &client, now_ms)?;
            Ok(Ok(id))
        })
    }

    /// The user's sessions, the most recently used first (never-used ones last, newest first),
    /// at most `limit`.
    pub fn sessions(&self, user: UserId, limit: i64) -> Result<Vec<SessionRecord>, StoreError> {
        let mut conn = self.conn()?;
        let rows = tokens::table
            .filter(tokens::user_id.eq(user.as_i64()))
            // `is_null` first: the backends sort NULL differently, a boolean alike.
            .order((
                tokens::last_used_ms.is_null().asc(),
                tokens::last_used_ms.desc(),
                tokens::id.desc(),
            ))
            .select((tokens::id, tokens::last_used_ms, tokens::client_os, tokens::client_platform))
            .limit(limit)
            .load::<(i64, Option<i64>, Option<String>, Option<String>)>(&mut conn)?;
        Ok(rows
            .into_iter()
            .map(|(id, last_used_ms, client_os, client_platform)| SessionRecord {
                token_id: TokenId::from_i64(id),
                last_used_ms,
                client_os,
                client_platform,
            })
            .collect())
    }

    /// Records `now_ms` as the last use of each of `tokens` whose recorded use is older than
    /// `min_interval_ms` (conditional writes, so concurrent writers and instances write each
    /// token once per interval), in one transaction of statements of at most
    /// [`TOUCH_STATEMENT`] tokens; answers how many it wrote. Tokens that are gone are skipped.
    pub fn touch_sessions(
        &self,
        tokens: &[TokenId],
        now_ms: i64,
        min_interval_ms: i64,
    ) -> Result<usize, StoreError> {
        if tokens.is_empty() {
            return Ok(0);
        }
        let ids: Vec<i64> = tokens.iter().map(|id| id.as_i64()).collect();
        let stale = now_ms.saturating_sub(min_interval_ms);
        self.write(|conn| {
            let mut written = 0;
            for chunk in ids.chunks(TOUCH_STATEMENT) {
                written += diesel::update(
                    tokens::table
                        .filter(tokens::id.eq_any(chunk))
                        .filter(tokens::last_used_ms.is_null().or(tokens::last_used_ms.le(stale))),
                )
                .set(tokens::last_used_ms.eq(Some(now_ms)))
                .execute(conn)?;
            }
            Ok(written)
        })
    }

    /// Ends the user's sessions among `ids` (ids of other users' tokens are left alone);
    /// answers how many ended.
    pub fn end_sessions(&self, user: UserId, ids: &[TokenId]) -> Result<usize, StoreError> {
        if ids.is_empty() {
            return Ok(0);
        }
        let ids: Vec<i64> = ids.iter().map(|id| id.as_i64()).collect();
        let mut conn = self.writer()?;
        Ok(diesel::delete(
            tokens::table.filter(tokens::user_id.eq(user.as_i64())).filter(tokens::id.eq_any(ids)),
        )
        .execute(&mut *conn)?)
    }
}

// issue 16 C-l: one writer of a person's session token.

/// Records a person's session token in the caller's transaction: the hash of its secret, the
/// client its `User-Agent` named and `now_ms` as its last use. Every token a person gets goes
/// through here (login, login with a second factor, registration, `POST /auth/verify`, a new
/// password by `PATCH /users/@me` or `POST /auth/reset`), so `GET /auth/sessions` lists each
/// with its client; the callers hold the user's row lock and have checked the account's state.
/// Bots' tokens (`astral users create --bot`, `astral bots reset-token`) are not sessions.
pub(crate) fn insert_session_token(
    conn: &mut crate::AnyConnection,
    id: TokenId,
    user: UserId,
    secret_hash: &str,
    client: &SessionClient,
    now_ms: i64,
) -> QueryResult<()> {
    insert_token(conn, id, user, secret_hash)?;
    diesel::update(tokens::table.find(id.as_i64()))
        .set((
            tokens::last_used_ms.eq(Some(now_ms)),
            tokens::client_os.eq(client.os.as_deref()),
            tokens::client_platform.eq(client.platform.as_deref()),
        ))
        .execute(conn)?;
    Ok(())
}
