//! One handler per file, grouped by resource. Handlers are thin: read the body or query with
//! its request type's reader (`astral_types`: it answers the typed, checked value or every
//! field error), call the store through `AppState`, map the store's answer to the wire.
//!
//! The shape every handler shares is stated here once: [`Authed`] (or [`State`] on a route
//! that needs no token) and [`Reply`] for its signature, [`path::InPath`] for the ids its path
//! names, [`no_content`] for a 204, and [`operations!`] for one use case served under several
//! operations (aliases).

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::{web, FromRequest, HttpRequest, HttpResponse};
use astral_types::{ErrorKind, UserId};

use crate::auth::Caller;
use crate::error::ApiError;
use crate::state::AppState;

/// What a handler reaches the store, the images and the settings through.
pub(crate) type State = web::Data<AppState>;

/// What every handler behind a token takes together: the [`State`] and the [`Caller`] the
/// token names (401 for a missing, malformed, unknown or revoked one, as `Caller` answers).
pub(crate) struct Authed {
    pub(crate) state: State,
    pub(crate) caller: Caller,
    /// `X-Discord-MFA-Authorization`: the token `POST /mfa/finish` answered, sent back with
    /// the request that was refused with 60003 (`crate::reauth`; issue 16 C).
    pub(crate) mfa_authorization: Option<String>,
}

impl Authed {
    /// The caller's id.
    pub(crate) fn me(&self) -> UserId {
        self.caller.id()
    }

    /// The caller's id on a route for user accounts only: a bot is refused (403 / 20001), and
    /// the operation's annotation names `relationships::BotsRefused` (or says so itself).
    pub(crate) fn users_only(&self) -> Result<UserId, ApiError> {
        if self.caller.user.bot {
            return Err(ApiError::new(ErrorKind::BotsCannotUse));
        }
        Ok(self.me())
    }
}

impl FromRequest for Authed {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Authed, actix_web::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        // Each extracted exactly as when a handler took them one by one.
        let state = State::from_request(req, payload);
        let caller = Caller::from_request(req, payload);
        let mfa_authorization = req
            .headers()
            .get(crate::reauth::MFA_AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_owned);
        Box::pin(async move {
            Ok(Authed { state: state.await?, caller: caller.await?, mfa_authorization })
        })
    }
}

/// What a handler answers: its success (an `HttpResponse` unless it says otherwise, such as
/// `Json<…>`), or an error through the one error enum.
pub(crate) type Reply<T = HttpResponse> = Result<T, ApiError>;

/// The answer of a change that returns nothing (204).
pub(crate) fn no_content() -> Reply {
    Ok(HttpResponse::NoContent().finish())
}

/// [`no_content`] as a delete documents it.
#[derive(utoipa::IntoResponses)]
#[response(status = 204, description = "Deleted.")]
pub struct Deleted;

/// One use case served under several operations, each with its own route, operationId (the
/// function's name, as for every handler) and doc comment, from ONE annotation: the shared
/// parts of `#[utoipa::path]` (tag, responses, and `security`/`params` where they are shared)
/// and the body are written once. An operation whose route names its parameter differently
/// adds its own `params(...)`; one that differs from the others in a value names it after
/// `where` (`pub async fn get_user_banner where slot = ImageSlot::Banner;`), for the body.
///
/// ```ignore
/// operations! {
///     [tag = "guilds", responses(...)]
///     fn(cx: Authed) -> Reply { ... }
///     /// Discord's name.
///     #[get("/users/@me/guilds")]
///     pub async fn list_my_guilds;
///     /// Saryno's name.
///     #[get("/users/@me/communities")]
///     pub async fn list_my_communities;
/// }
/// ```
macro_rules! operations {
    (@one [$($shared:tt)*] $args:tt $ret:ty, $body:block,
        $(#[$($attr:tt)*])* $(params $params:tt)?
        pub async fn $name:ident $(where $var:ident = $value:expr)?;) => {
        #[utoipa::path($($shared)* $(, params $params)?)]
        $(#[$($attr)*])*
        pub async fn $name $args -> $ret {
            $(let $var = $value;)?
            $body
        }
    };
    ($shared:tt fn $args:tt -> $ret:ty $body:block
        $($(#[$($attr:tt)*])* $(params $params:tt)?
        pub async fn $name:ident $(where $var:ident = $value:expr)?;)+) => {
        $(operations!(@one $shared $args $ret, $body,
            $(#[$($attr)*])* $(params $params)?
            pub async fn $name $(where $var = $value)?;);)+
    };
}

/// Declares a kind of id that is a snowflake: the route parameters that carry it, how the
/// annotations describe it, and what a segment that is not a snowflake answers (it names
/// nothing, exactly as an id nobody has).
macro_rules! snowflake_in_path {
    ($(#[$doc:meta])* $kind:ident = [$($name:literal),+], $description:literal,
        else $unknown:path) => {
        $(#[$doc])*
        pub(crate) enum $kind {}

        impl $crate::handlers::path::PathKind for $kind {
            const NAMES: &'static [&'static str] = &[$($name),+];
            const DESCRIPTION: &'static str = $description;
            type Value = Result<astral_types::Snowflake, $crate::error::ApiError>;
            fn read(segment: &str) -> Self::Value {
                segment.parse().map_err(|_| $unknown())
            }
        }
    };
}

pub mod auth;
pub mod channels;
pub mod gateway;
pub mod guilds;
pub mod health;
pub mod images;
pub mod invites;
pub mod members;
pub mod path;
pub mod pride_flags;
pub mod readiness;
pub mod relationships;
pub mod users;
// issue 16 D
pub mod sessions;
// issue 16 C-e
pub mod mfa;

#[cfg(test)]
mod tests {
    use astral_types::ErrorKind;

    /// Discord's cap messages name the number ("Maximum number of guilds reached (100)"); the
    /// catalogue writes the message, the handlers own the cap: this keeps the two equal.
    #[test]
    fn cap_messages_name_the_caps_the_handlers_enforce() {
        for (kind, cap) in [
            (ErrorKind::TooManyGuilds, super::guilds::MAX_GUILDS),
            (ErrorKind::TooManyInvites, super::guilds::MAX_INVITES),
            (ErrorKind::TooManyFriends, super::relationships::MAX_FRIENDS),
            (ErrorKind::TooManyRecipients, super::channels::MAX_GROUP_DM_MEMBERS),
            (ErrorKind::TooManyGroupDms, super::channels::MAX_GROUP_DMS),
            (ErrorKind::TooManyPrideFlags, astral_types::pride_flag::MAX_PRIDE_FLAGS),
            (ErrorKind::TooManyMembers, super::members::MAX_MEMBERS),
        ] {
            let message = kind.entry().message;
            assert!(message.ends_with(&format!("({cap})")), "{message} vs cap {cap}");
        }
    }
}
