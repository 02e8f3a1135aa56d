use actix_web::{get, web::Json, HttpRequest};
use astral_store::{MemberPage, Store};
use astral_types::member::{MemberListQuery, ProfileMember};

use crate::auth::OptionalCaller;
use crate::error::ApiError;
use crate::handlers::path::InPath;
use crate::handlers::users::{unknown_user, UnknownUser, User};
use crate::handlers::{Reply, State};
use crate::query::{query_pairs, InvalidQuery};
use crate::wire;

/// List a user's members.
///
/// Ascending by id, keyset-paginated with `before` / `after` / `limit`. No token is needed:
/// anonymous callers are charged to their address's unauthenticated rate-limit bucket. The
/// owner sees every member; anyone else sees those that are not hidden, and an empty list when
/// the owner's member list is private.
#[utoipa::path(
    tag = "members",
    params(
        ("user_id" = String, Path, description = "The user's id (a snowflake)."),
        MemberListQuery,
    ),
    responses(
        (status = 200, description = "One page of members.", body = Vec<ProfileMember>),
        InvalidQuery,
        UnknownUser,
    ),
    security((), ("Token" = []))
)]
#[get("/users/{user_id}/members")]
pub async fn list_user_members(
    state: State,
    caller: OptionalCaller,
    owner: InPath<User>,
    req: HttpRequest,
) -> Reply<Json<Vec<ProfileMember>>> {
    let MemberListQuery { before, after, limit } =
        MemberListQuery::read(&query_pairs(&req)).map_err(ApiError::form)?;
    let (owner, viewer) = (owner.known()?, caller.id());
    let page = MemberPage { before, after, limit };
    let list = move |store: &Store| store.user_profile_members(viewer, owner, page);
    let members = state.find(list, unknown_user).await?;
    Ok(Json(members.iter().map(wire::profile_member).collect()))
}
