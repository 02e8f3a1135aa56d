use actix_web::{get, web::Json};
use astral_types::member::ProfileMember;
use astral_types::ErrorBody;

use super::{unknown_member, Member};
use crate::auth::OptionalCaller;
use crate::handlers::path::InPath;
use crate::handlers::{Reply, State};
use crate::wire;

/// Get a member.
///
/// By id or by short id (`sid`, 6 lowercase letters). No token is needed: anonymous callers are
/// charged to their address's unauthenticated rate-limit bucket. A hidden member, or any member
/// of a user whose member list is private, is found by its owner alone: anyone else gets 404
/// (19001), as for a member that does not exist.
#[utoipa::path(
    tag = "members",
    params(InPath<Member>),
    responses(
        (status = 200, description = "The member.", body = ProfileMember),
        (status = 404, description = "Unknown member, or one the caller may not see (19001).", body = ErrorBody),
    ),
    security((), ("Token" = []))
)]
#[get("/members/{member_id}")]
pub async fn get_member(
    state: State,
    caller: OptionalCaller,
    member: InPath<Member>,
) -> Reply<Json<ProfileMember>> {
    let (key, viewer) = (member.get()?, caller.id());
    let member = state.find(move |store| store.profile_member(viewer, key), unknown_member).await?;
    Ok(Json(wire::profile_member(&member)))
}
