use actix_web::{post, web, web::Json};
use astral_types::user::PrivateUserWithProfile;
use astral_types::ErrorBody;

use super::reroll_short_id;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::state::AppState;

/// Reroll the current user's short id (`POST`).
///
/// The same as `GET /users/@me/reroll`, for clients that rightly send a change as a `POST`.
/// No body is read.
#[utoipa::path(
    operation_id = "reroll_my_short_id_post",
    tag = "users",
    responses(
        (status = 200, description = "The updated user, with its new short id.", body = PrivateUserWithProfile),
        (status = 403, description = "Rerolled less than an hour ago (2004, with `retry_after`).", body = ErrorBody),
    )
)]
#[post("/users/@me/reroll")]
pub async fn reroll_my_short_id_post(
    state: web::Data<AppState>,
    caller: Caller,
) -> Result<Json<PrivateUserWithProfile>, ApiError> {
    reroll_short_id(&state, &caller).await
}
