use actix_web::{get, web::Json};
use astral_types::user::PrivateUserWithProfile;

use super::my_user;
use crate::handlers::{Authed, Reply};

/// Get the current user.
///
/// The caller's own account, with its private fields (`email`, `verified`, `locale`, ...), its
/// pronouns.cc profile and the self-only `created_at`, `timezone` and `list_private`.
#[utoipa::path(
    tag = "users",
    responses(
        (status = 200, description = "The current user.", body = PrivateUserWithProfile),
    )
)]
#[get("/users/@me")]
pub async fn get_my_user(cx: Authed) -> Reply<Json<PrivateUserWithProfile>> {
    my_user(&cx).await
}
