use actix_web::put;
use astral_types::user::PutRelationship;
use astral_types::ErrorBody;

use super::{befriend, block, BotsRefused, Done};
use crate::body::JsonBody;
use crate::error::ApiError;
use crate::handlers::path::InPath;
use crate::handlers::users::{UnknownUser, User};
use crate::handlers::{no_content, Authed, Reply};

/// Befriend or block a user.
///
/// `{}` (or `{"type": 1}`) sends a friend request, or accepts theirs; `{"type": 2}` blocks,
/// which ends any friendship or pending request between you.
#[utoipa::path(
    tag = "relationships",
    params(("user_id" = String, Path, description = "The other user's id.")),
    request_body(content = PutRelationship, content_type = "application/json"),
    responses(
        Done,
        (status = 400, description = "They blocked you (80000), friend limit (30002), yourself or an invalid body (50035, 50109).", body = ErrorBody),
        BotsRefused,
        UnknownUser,
    )
)]
#[put("/users/@me/relationships/{user_id}")]
pub async fn create_relationship(cx: Authed, user: InPath<User>, body: JsonBody) -> Reply {
    cx.users_only()?;
    let PutRelationship { kind } = PutRelationship::read(&body.0).map_err(ApiError::form)?;
    let other = user.record(&cx.state).await?;
    match kind {
        Some(PutRelationship::BLOCK) => block(&cx, &other).await?,
        _ => befriend(&cx, &other).await?,
    }
    no_content()
}
