use actix_web::{get, web, web::Json};
use astral_types::user::PrivateUserWithProfile;

use super::my_user;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::state::AppState;

/// Get the current user.
///
/// The caller's own account, with its private fields (`email`, `verified`, `locale`, ...), its
/// pronouns.cc profile and the self-only `created_at`, `timezone` and `list_private`.
#[utoipa::path(
    operation_id = "get_my_user",
    tag = "users",
    responses(
        (status = 200, description = "The current user.", body = PrivateUserWithProfile),
    )
)]
#[get("/users/@me")]
pub async fn get_my_user(
    state: web::Data<AppState>,
    caller: Caller,
) -> Result<Json<PrivateUserWithProfile>, ApiError> {
    my_user(&state, &caller).await
}
