use actix_web::{get, web, web::Json};
use astral_types::user::UserWithProfile;
use astral_types::ErrorBody;

use super::{unknown_user, user_id_in_path};
use crate::auth::Caller;
use crate::error::ApiError;
use crate::state::AppState;
use crate::wire;

/// Get a user.
///
/// Anyone's public user with their pronouns.cc profile; no shared guild is needed. The
/// self-only fields (`created_at`, `timezone`, `list_private`) only when the caller is that
/// user. An id that is not a snowflake is simply an unknown user (10013).
#[utoipa::path(
    operation_id = "get_user",
    tag = "users",
    params(("user_id" = String, Path, description = "The user's id (a snowflake).")),
    responses(
        (status = 200, description = "The user.", body = UserWithProfile),
        (status = 404, description = "Unknown user (10013).", body = ErrorBody),
    )
)]
#[get("/users/{user_id}")]
pub async fn get_user(
    state: web::Data<AppState>,
    caller: Caller,
    user_id: web::Path<String>,
) -> Result<Json<UserWithProfile>, ApiError> {
    let id = user_id_in_path(&user_id).ok_or_else(unknown_user)?;
    let found =
        state.run(move |store| store.user_with_profile(id)).await?.ok_or_else(unknown_user)?;
    Ok(Json(wire::user_with_profile(&found.user, &found.profile, Some(caller.id()))))
}
