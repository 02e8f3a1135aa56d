use actix_web::{get, web, web::Json};
use astral_types::user::User;
use astral_types::ErrorBody;

use super::user_in_path;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::state::AppState;
use crate::wire;

/// Get a user.
///
/// Anyone's public profile; no shared guild is needed. An id that is not a snowflake is simply
/// an unknown user (10013).
#[utoipa::path(
    operation_id = "get_user",
    tag = "users",
    params(("user_id" = String, Path, description = "The user's id (a snowflake).")),
    responses(
        (status = 200, description = "The user.", body = User),
        (status = 404, description = "Unknown user (10013).", body = ErrorBody),
    )
)]
#[get("/users/{user_id}")]
pub async fn get_user(
    state: web::Data<AppState>,
    _caller: Caller,
    user_id: web::Path<String>,
) -> Result<Json<User>, ApiError> {
    let user = user_in_path(&state, &user_id).await?;
    Ok(Json(wire::public_user(&user)))
}
