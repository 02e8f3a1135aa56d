use actix_web::{get, web::Json};
use astral_types::user::PrivateUser;

use crate::auth::Caller;
use crate::error::ApiError;
use crate::wire;

/// Get the current user.
///
/// The caller's own account, with its private fields (`email`, `verified`, `locale`, ...).
#[utoipa::path(
    operation_id = "get_my_user",
    tag = "users",
    responses(
        (status = 200, description = "The current user.", body = PrivateUser),
    )
)]
#[get("/users/@me")]
pub async fn get_my_user(caller: Caller) -> Result<Json<PrivateUser>, ApiError> {
    Ok(Json(wire::private_user(&caller.user)))
}
