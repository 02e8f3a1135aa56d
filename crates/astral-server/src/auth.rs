//! Tokens, passwords and the `Caller` extractor.
//!
//! The token format is `astral_types::token`'s. Only a SHA-256 of a token's secret is stored
//! (under a unique index), so authenticating costs one indexed lookup and a leaked database
//! holds no usable token. The first part must name the token's owner, so a secret cannot be
//! replayed under another id. Passwords are hashed with argon2id.

use std::future::Future;
use std::pin::Pin;

use actix_web::{dev::Payload, http::header, web, FromRequest, HttpMessage, HttpRequest};
use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;
use astral_store::{OwnProfileRead, PrivateUserRecord, Store, StoreError, TokenOwner, UserRecord};
use astral_types::password::PASSWORD_MAX;
use astral_types::{TokenId, UserId};

use crate::error::ApiError;
use crate::request_log::AuthenticatedUser;
use crate::state::AppState;

pub use astral_types::token::{new_token, parse_authorization, IssuedToken, PresentedToken};

/// Issues and stores a token for `user_id`; returns the token text.
pub fn issue_token(store: &Store, user_id: UserId) -> Result<String, StoreError> {
    let issued = new_token(user_id);
    store.create_token(user_id, &issued.secret_hash)?;
    Ok(issued.token)
}

/// Hashes a password that passed `astral_types::password`. Blocking and CPU-heavy (argon2):
/// callers run it on `AppState::password_pool`. A password over the maximum length is never
/// hashed, whatever the caller checked.
pub fn hash_password(password: &str) -> Result<String, ApiError> {
    if password.chars().count() > PASSWORD_MAX {
        return Err(ApiError::internal("refused to hash a password over the maximum length"));
    }
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| ApiError::internal(format!("password hashing failed: {e}")))
}

/// Checks a password against a stored hash. With no stored hash (unknown account, or a bot
/// without a password) a dummy hash is verified anyway, so the answer takes as long either way
/// and does not reveal which accounts exist. A password over the maximum length cannot have
/// been set, so it is refused without hashing (which would cost time in proportion to it).
/// Blocking and CPU-heavy: callers run it on `AppState::password_pool`.
pub fn verify_password(password: &str, stored: Option<&str>) -> bool {
    if password.chars().count() > PASSWORD_MAX {
        return false;
    }
    const DUMMY: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$yPvKLmOwSVQ8fA6MZvSo/HyGNJkxCYJ7QiYP9UySwUw";
    let (hash, real) = match stored {
        Some(h) => (h, true),
        None => (DUMMY, false),
    };
    let Ok(parsed) = PasswordHash::new(hash) else {
        return false;
    };
    let ok = Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok();
    ok && real
}

/// What the rate-limit middleware found out about the request's token, kept in the request's
/// extensions so that the token is looked up once per request, not again by [`Caller`].
#[derive(Debug, Clone)]
pub enum Authentication {
    /// The token is valid and belongs to this owner.
    Valid(Box<TokenOwner>),
    /// A token was presented and does not authenticate (malformed, unknown, revoked).
    Invalid,
}

/// Looks up an `Authorization` header value: `Ok(None)` when it is no valid token. Costs a
/// SHA-256 and a look in the token cache on this thread; if the cache does not hold the token,
/// one indexed lookup on the database's pool (which the cache then keeps).
pub async fn authenticate(
    state: &AppState,
    authorization: &str,
    own_profile: bool,
) -> Result<Option<TokenOwner>, ApiError> {
    let Some(presented) = parse_authorization(authorization) else {
        return Ok(None);
    };
    let hash = presented.secret_hash;
    let owner = match state.store.cached_token_owner(&hash, own_profile) {
        Some(owner) => Some(owner),
        None => {
            let hash = hash.clone();
            state.run(move |store| store.token_owner(&hash, own_profile)).await?
        }
    };
    // The first part must name the token's owner, so a secret cannot be replayed under
    // another id.
    let owner = owner.filter(|o| o.user.user_id() == presented.user_id);
    if let Some(owner) = &owner {
        let now_ms = state.now_ms();
        if state.last_use.used(owner.token_id, owner.last_used_ms, now_ms) {
            state.store.token_used(&hash, now_ms);
        }
    }
    Ok(owner)
}

/// Whether the request is `GET /users/@me` (a `HEAD` is routed as its `GET`), whose answer the
/// token lookup can read in its own statement (`Store::token_owner`'s `own_profile`). Any
/// other spelling only misses that shortcut: the handler then reads the user itself.
pub fn asks_for_own_user(method: &actix_web::http::Method, path: &str) -> bool {
    method == actix_web::http::Method::GET && path.ends_with("/users/@me")
}

/// The authenticated caller. Extracting it answers 401 for a missing, malformed, unknown or
/// revoked token.
#[derive(Debug, Clone)]
pub struct Caller {
    pub token_id: TokenId,
    pub user: UserRecord,
    /// What the token lookup learnt of the caller's `GET /users/@me` answer
    /// ([`TokenOwner::own_profile`]).
    pub own_profile: OwnProfileRead,
}

impl Caller {
    pub fn id(&self) -> UserId {
        self.user.user_id()
    }

    /// The caller's own answer as this request's token lookup read it, when it could (no
    /// pride flags, no members). Only for answers of what the request found, never after it
    /// changed something.
    pub fn own_answer(&self) -> Option<PrivateUserRecord> {
        match &self.own_profile {
            OwnProfileRead::Read(own) => Some(own.answer(&self.user)),
            OwnProfileRead::NotRead | OwnProfileRead::HasLists => None,
        }
    }
}

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Caller, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let authorization = req
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let known = req.extensions().get::<Authentication>().cloned();
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let req = req.clone();
        Box::pin(async move {
            let owner = match known {
                Some(Authentication::Valid(owner)) => *owner,
                Some(Authentication::Invalid) => return Err(ApiError::unauthorized()),
                // Rate limiting is off (or this route is not behind it): look it up here.
                None => {
                    let authorization = authorization.ok_or_else(ApiError::unauthorized)?;
                    let state = state.ok_or_else(|| ApiError::internal("AppState missing"))?;
                    let own = asks_for_own_user(req.method(), req.path());
                    authenticate(&state, &authorization, own)
                        .await?
                        .ok_or_else(ApiError::unauthorized)?
                }
            };
            req.extensions_mut().insert(AuthenticatedUser(owner.user.user_id()));
            Ok(Caller {
                token_id: owner.token_id,
                user: owner.user,
                own_profile: owner.own_profile,
            })
        })
    }
}

/// The caller of a route that also answers anonymous callers (public profiles): `None`
/// without an `Authorization` header; a presented token must authenticate (401 otherwise, as
/// on every route), so a client that means to be someone is never silently anonymous.
/// Anonymous requests are charged to their address's unauthenticated bucket by the rate-limit
/// middleware, like every request without a valid token.
#[derive(Debug, Clone)]
pub struct OptionalCaller(pub Option<Caller>);

impl OptionalCaller {
    pub fn id(&self) -> Option<UserId> {
        self.0.as_ref().map(Caller::id)
    }
}

impl FromRequest for OptionalCaller {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<OptionalCaller, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let presented = req.extensions().get::<Authentication>().is_some()
            || req
                .headers()
                .get(header::AUTHORIZATION)
                .is_some_and(|v| !v.as_bytes().iter().all(u8::is_ascii_whitespace));
        if !presented {
            return Box::pin(async { Ok(OptionalCaller(None)) });
        }
        let caller = Caller::from_request(req, payload);
        Box::pin(async move { caller.await.map(|c| OptionalCaller(Some(c))) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_verify_only_against_their_hash() {
        let h = hash_password("correct horse").unwrap();
        assert!(verify_password("correct horse", Some(&h)));
        assert!(!verify_password("wrong horse", Some(&h)));
        assert!(!verify_password("correct horse", None));
        let too_long = "x".repeat(PASSWORD_MAX + 1);
        assert!(hash_password(&too_long).is_err());
        assert!(!verify_password(&too_long, Some(&h)));
    }
}
