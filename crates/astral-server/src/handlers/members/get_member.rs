use actix_web::{get, web, web::Json};
use astral_types::member::ProfileMember;
use astral_types::ErrorBody;

use super::{member_in_path, unknown_member};
use crate::auth::OptionalCaller;
use crate::error::ApiError;
use crate::state::AppState;
use crate::wire;

/// Get a member.
///
/// By id or by short id (`sid`, 6 lowercase letters). No token is needed: anonymous callers are
/// charged to their address's unauthenticated rate-limit bucket. A hidden member, or any member
/// of a user whose member list is private, is found by its owner alone: anyone else gets 404
/// (19001), as for a member that does not exist.
#[utoipa::path(
    operation_id = "get_member",
    tag = "members",
    params(("member_id" = String, Path, description = "The member's id (a snowflake) or short id (6 lowercase letters).")),
    responses(
        (status = 200, description = "The member.", body = ProfileMember),
        (status = 404, description = "Unknown member, or one the caller may not see (19001).", body = ErrorBody),
    ),
    security((), ("Token" = []))
)]
#[get("/members/{member_id}")]
pub async fn get_member(
    state: web::Data<AppState>,
    caller: OptionalCaller,
    member_id: web::Path<String>,
) -> Result<Json<ProfileMember>, ApiError> {
    let key = member_in_path(&member_id)?;
    let viewer = caller.id();
    let member = state
        .run(move |store| store.profile_member(viewer, key))
        .await?
        .ok_or_else(unknown_member)?;
    Ok(Json(wire::profile_member(&member)))
}
