use actix_web::{post, web, HttpResponse};
use astral_types::user::FriendRequest;
use astral_types::ErrorBody;

use super::{befriend, users_only};
use crate::auth::Caller;
use crate::body::JsonBody;
use crate::error::{ApiError, ErrorKind};
use crate::state::AppState;

/// Send a friend request by username.
///
/// `discriminator` is accepted for older clients: absent or `"0"` matches any, otherwise it
/// must be the user's. Accepts the other user's pending request if there is one.
#[utoipa::path(
    operation_id = "send_friend_request",
    tag = "relationships",
    request_body(content = FriendRequest, content_type = "application/json"),
    responses(
        (status = 204, description = "Request sent (or accepted)."),
        (status = 400, description = "No such user (80004), they blocked you (80000), friend limit (30002), invalid body (50035, 50109).", body = ErrorBody),
        (status = 403, description = "Bots cannot use this endpoint (20001).", body = ErrorBody),
    )
)]
#[post("/users/@me/relationships")]
pub async fn send_friend_request(
    state: web::Data<AppState>,
    caller: Caller,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    users_only(&caller)?;
    let FriendRequest { username, discriminator } =
        FriendRequest::read(&body.0).map_err(ApiError::form)?;
    let no_such_user = || ApiError::new(ErrorKind::NoUserWithTag);
    let target = state
        .run(move |store| store.user_by_username(&username))
        .await?
        .ok_or_else(no_such_user)?;
    if let Some(d) = discriminator {
        if d != "0" && d != target.discriminator {
            return Err(no_such_user());
        }
    }
    befriend(&state, &caller, &target).await?;
    Ok(HttpResponse::NoContent().finish())
}
