use actix_web::{get, web, web::Json, HttpRequest};
use astral_types::guild::UserProfile;
use astral_types::ErrorBody;
use serde::Deserialize;
use utoipa::IntoParams;

use super::{unknown_user, user_id_in_path};
use crate::auth::Caller;
use crate::error::ApiError;
use crate::query::Query;
use crate::state::AppState;
use crate::wire;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ProfileQuery {
    /// Include `mutual_guilds`.
    pub with_mutual_guilds: Option<bool>,
    /// Include `mutual_friends`.
    pub with_mutual_friends: Option<bool>,
    /// Include `mutual_friends_count`.
    pub with_mutual_friends_count: Option<bool>,
}

/// Get a user's profile.
///
/// The public user, and on request the guilds and friends the caller shares with them. A user
/// who blocked the caller shows nothing beyond the public user.
#[utoipa::path(
    operation_id = "get_user_profile",
    tag = "users",
    params(("user_id" = String, Path, description = "The user's id."), ProfileQuery),
    responses(
        (status = 200, description = "The profile.", body = UserProfile),
        (status = 400, description = "Invalid query parameter (50035).", body = ErrorBody),
        (status = 401, description = "Missing, invalid or revoked token.", body = ErrorBody),
        (status = 404, description = "Unknown user (10013).", body = ErrorBody),
        (status = "5XX", description = "Server or database failure.", body = ErrorBody),
    ),
    security(("BotToken" = []), ("BearerToken" = []), ("UserToken" = []))
)]
#[get("/users/{user_id}/profile")]
pub async fn get_user_profile(
    state: web::Data<AppState>,
    caller: Caller,
    user_id: web::Path<String>,
    req: HttpRequest,
) -> Result<Json<UserProfile>, ApiError> {
    let mut query = Query::of(&req);
    let (guilds, friends, friends_count) = (
        query.bool("with_mutual_guilds"),
        query.bool("with_mutual_friends"),
        query.bool("with_mutual_friends_count"),
    );
    query.finish()?;
    let (me, them) = (
        caller.id(),
        user_id_in_path(&user_id).ok_or_else(unknown_user)?,
    );
    let profile = state
        .run(move |store| store.user_profile(me, them, guilds, friends || friends_count))
        .await?
        .ok_or_else(unknown_user)?;
    Ok(Json(wire::user_profile(&profile, friends, friends_count)))
}
