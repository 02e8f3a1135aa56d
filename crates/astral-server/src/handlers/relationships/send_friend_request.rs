use actix_web::post;
use astral_types::user::FriendRequest;
use astral_types::ErrorBody;

use super::{befriend, BotsRefused};
use crate::body::JsonBody;
use crate::error::{ApiError, ErrorKind};
use crate::handlers::{no_content, Authed, Reply};

/// Send a friend request by username.
///
/// `discriminator` is accepted for older clients: absent or `"0"` matches any, otherwise it
/// must be the user's. Accepts the other user's pending request if there is one.
#[utoipa::path(
    tag = "relationships",
    request_body(content = FriendRequest, content_type = "application/json"),
    responses(
        (status = 204, description = "Request sent (or accepted)."),
        (status = 400, description = "No such user (80004), they blocked you (80000), friend limit (30002), invalid body (50035, 50109).", body = ErrorBody),
        BotsRefused,
    )
)]
#[post("/users/@me/relationships")]
pub async fn send_friend_request(cx: Authed, body: JsonBody) -> Reply {
    cx.users_only()?;
    let FriendRequest { username, discriminator } =
        FriendRequest::read(&body.0).map_err(ApiError::form)?;
    let no_such_user = || ApiError::new(ErrorKind::NoUserWithTag);
    let target =
        cx.state.find(move |store| store.user_by_username(&username), no_such_user).await?;
    if let Some(d) = discriminator {
        if d != "0" && d != target.discriminator {
            return Err(no_such_user());
        }
    }
    befriend(&cx, &target).await?;
    no_content()
}
