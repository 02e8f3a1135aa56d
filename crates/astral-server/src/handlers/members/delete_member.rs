use actix_web::{delete, web, HttpResponse};
use astral_types::ErrorBody;

use super::{member_in_path, member_refused};
use crate::auth::Caller;
use crate::error::ApiError;
use crate::state::AppState;

/// Delete a member.
///
/// By id or short id; the owner's only (anyone else gets 404 / 19001, as for a member that
/// does not exist).
#[utoipa::path(
    operation_id = "delete_member",
    tag = "members",
    params(("member_id" = String, Path, description = "The member's id (a snowflake) or short id (6 lowercase letters).")),
    responses(
        (status = 204, description = "Deleted."),
        (status = 404, description = "Unknown member, or another user's (19001).", body = ErrorBody),
    )
)]
#[delete("/members/{member_id}")]
pub async fn delete_member(
    state: web::Data<AppState>,
    caller: Caller,
    member_id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let key = member_in_path(&member_id)?;
    let me = caller.id();
    state.run(move |store| store.delete_profile_member(me, key)).await?.map_err(member_refused)?;
    Ok(HttpResponse::NoContent().finish())
}
