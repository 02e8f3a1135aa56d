use actix_web::{put, web, HttpResponse};
use astral_types::user::PutRelationship;
use astral_types::ErrorBody;

use super::{befriend, block, users_only};
use crate::auth::Caller;
use crate::body::JsonBody;
use crate::error::ApiError;
use crate::handlers::users::user_in_path;
use crate::state::AppState;

/// Befriend or block a user.
///
/// `{}` (or `{"type": 1}`) sends a friend request, or accepts theirs; `{"type": 2}` blocks,
/// which ends any friendship or pending request between you.
#[utoipa::path(
    operation_id = "create_relationship",
    tag = "relationships",
    params(("user_id" = String, Path, description = "The other user's id.")),
    request_body(content = PutRelationship, content_type = "application/json"),
    responses(
        (status = 204, description = "Done."),
        (status = 400, description = "They blocked you (80000), friend limit (30002), yourself or an invalid body (50035, 50109).", body = ErrorBody),
        (status = 403, description = "Bots cannot use this endpoint (20001).", body = ErrorBody),
        (status = 404, description = "Unknown user (10013).", body = ErrorBody),
    )
)]
#[put("/users/@me/relationships/{user_id}")]
pub async fn create_relationship(
    state: web::Data<AppState>,
    caller: Caller,
    user_id: web::Path<String>,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    users_only(&caller)?;
    let PutRelationship { kind } = PutRelationship::read(&body.0).map_err(ApiError::form)?;
    let other = user_in_path(&state, &user_id).await?;
    match kind {
        Some(PutRelationship::BLOCK) => block(&state, &caller, &other).await?,
        _ => befriend(&state, &caller, &other).await?,
    }
    Ok(HttpResponse::NoContent().finish())
}
