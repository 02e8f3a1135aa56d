use actix_web::{get, web, web::Json, HttpRequest};
use astral_store::MemberPage;
use astral_types::member::{MemberListQuery, ProfileMember};
use astral_types::ErrorBody;

use crate::auth::OptionalCaller;
use crate::error::ApiError;
use crate::handlers::users::{unknown_user, user_id_in_path};
use crate::query::query_pairs;
use crate::state::AppState;
use crate::wire;

/// List a user's members.
///
/// Ascending by id, keyset-paginated with `before` / `after` / `limit`. No token is needed:
/// anonymous callers are charged to their address's unauthenticated rate-limit bucket. The
/// owner sees every member; anyone else sees those that are not hidden, and an empty list when
/// the owner's member list is private.
#[utoipa::path(
    operation_id = "list_user_members",
    tag = "members",
    params(
        ("user_id" = String, Path, description = "The user's id (a snowflake)."),
        MemberListQuery,
    ),
    responses(
        (status = 200, description = "One page of members.", body = Vec<ProfileMember>),
        (status = 400, description = "Invalid query parameter (50035).", body = ErrorBody),
        (status = 404, description = "Unknown user (10013).", body = ErrorBody),
    ),
    security((), ("Token" = []))
)]
#[get("/users/{user_id}/members")]
pub async fn list_user_members(
    state: web::Data<AppState>,
    caller: OptionalCaller,
    user_id: web::Path<String>,
    req: HttpRequest,
) -> Result<Json<Vec<ProfileMember>>, ApiError> {
    let MemberListQuery { before, after, limit } =
        MemberListQuery::read(&query_pairs(&req)).map_err(ApiError::form)?;
    let owner = user_id_in_path(&user_id).ok_or_else(unknown_user)?;
    let viewer = caller.id();
    let page = MemberPage { before, after, limit };
    let members = state
        .run(move |store| store.user_profile_members(viewer, owner, page))
        .await?
        .ok_or_else(unknown_user)?;
    Ok(Json(members.iter().map(wire::profile_member).collect()))
}
