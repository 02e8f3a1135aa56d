use actix_web::{get, web, web::Json, HttpRequest};
use astral_types::guild::{ProfileQuery, UserProfile};
use astral_types::ErrorBody;

use super::{unknown_user, user_id_in_path};
use crate::auth::Caller;
use crate::error::ApiError;
use crate::query::query_pairs;
use crate::state::AppState;
use crate::wire;

/// Get a user's profile.
///
/// The user with their pronouns.cc profile (`user`, with the self-only fields when it is the
/// caller; `user_profile.bio` is `user.bio`), and on request the guilds and friends the caller
/// shares with them. A user who blocked the caller shows nothing beyond that.
#[utoipa::path(
    operation_id = "get_user_profile",
    tag = "users",
    params(("user_id" = String, Path, description = "The user's id."), ProfileQuery),
    responses(
        (status = 200, description = "The profile.", body = UserProfile),
        (status = 400, description = "Invalid query parameter (50035).", body = ErrorBody),
        (status = 404, description = "Unknown user (10013).", body = ErrorBody),
    )
)]
#[get("/users/{user_id}/profile")]
pub async fn get_user_profile(
    state: web::Data<AppState>,
    caller: Caller,
    user_id: web::Path<String>,
    req: HttpRequest,
) -> Result<Json<UserProfile>, ApiError> {
    let ProfileQuery {
        with_mutual_guilds: guilds,
        with_mutual_friends: friends,
        with_mutual_friends_count: friends_count,
    } = ProfileQuery::read(&query_pairs(&req)).map_err(ApiError::form)?;
    let (me, them) = (caller.id(), user_id_in_path(&user_id).ok_or_else(unknown_user)?);
    let profile = state
        .run(move |store| store.user_profile(me, them, guilds, friends || friends_count))
        .await?
        .ok_or_else(unknown_user)?;
    Ok(Json(wire::user_profile(&profile, me, friends, friends_count)))
}
