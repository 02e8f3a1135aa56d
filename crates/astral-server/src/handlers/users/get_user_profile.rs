use actix_web::{get, web::Json, HttpRequest};
use astral_store::Store;
use astral_types::guild::{ProfileQuery, UserProfile};

use super::{unknown_user, UnknownUser, User};
use crate::error::ApiError;
use crate::handlers::path::InPath;
use crate::handlers::{Authed, Reply};
use crate::query::{query_pairs, InvalidQuery};
use crate::wire;

/// Get a user's profile.
///
/// The user with their pronouns.cc profile (`user`, with the self-only fields when it is the
/// caller; `user_profile.bio` is `user.bio`), and on request the guilds and friends the caller
/// shares with them. A user who blocked the caller shows nothing beyond that.
#[utoipa::path(
    tag = "users",
    params(InPath<User>, ProfileQuery),
    responses(
        (status = 200, description = "The profile.", body = UserProfile),
        InvalidQuery,
        UnknownUser,
    )
)]
#[get("/users/{user_id}/profile")]
pub async fn get_user_profile(
    cx: Authed,
    user: InPath<User>,
    req: HttpRequest,
) -> Reply<Json<UserProfile>> {
    let ProfileQuery {
        with_mutual_guilds: guilds,
        with_mutual_friends: friends,
        with_mutual_friends_count: friends_count,
    } = ProfileQuery::read(&query_pairs(&req)).map_err(ApiError::form)?;
    let (me, them) = (cx.me(), user.known()?);
    let read = move |store: &Store| store.user_profile(me, them, guilds, friends || friends_count);
    let profile = cx.state.find(read, unknown_user).await?;
    Ok(Json(wire::user_profile(&profile, me, friends, friends_count)))
}
