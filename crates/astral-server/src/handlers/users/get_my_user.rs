use actix_web::{get, web, web::Json};
use astral_types::user::PrivateUserWithProfile;

use crate::auth::Caller;
use crate::error::ApiError;
use crate::state::AppState;
use crate::wire;

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
    let me = caller.id();
    let user = state
        .run(move |store| store.user_with_profile(me))
        .await?
        // The account was deleted since its token was looked up.
        .ok_or_else(ApiError::unauthorized)?;
    Ok(Json(wire::private_user_with_profile(&user)))
}
