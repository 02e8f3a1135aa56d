use actix_web::{get, post, web::Json, HttpMessage, HttpRequest};
use astral_types::user::PrivateUserWithProfile;
use astral_types::ErrorBody;

use super::{my_user, reroll_short_id};
use crate::handlers::{Authed, Reply};
use crate::methods::ServedAsHead;

operations! {
    [
        tag = "users",
        responses(
            (status = 200, description = "The updated user, with its new short id.", body = PrivateUserWithProfile),
            (status = 403, description = "Rerolled less than an hour ago (2004, with `retry_after`).", body = ErrorBody),
        )
    ]
    fn(cx: Authed, req: HttpRequest) -> Reply<Json<PrivateUserWithProfile>> {
        // HEAD is served as GET everywhere; here GET changes something, so HEAD must not.
        if req.extensions().get::<ServedAsHead>().is_some() {
            return my_user(&cx).await;
        }
        reroll_short_id(&cx).await
    }

    /// Reroll the current user's short id.
    ///
    /// pronouns.cc's `GET /users/@me/reroll` (also served as `POST`): gives the caller a new
    /// random, unique short id (`sid`) and returns the updated user. At most one reroll an hour: a
    /// second one within the hour is refused with 403 / 2004 and `retry_after` (seconds). A
    /// `HEAD` changes nothing: it answers as `GET /users/@me` would.
    #[get("/users/@me/reroll")]
    pub async fn reroll_my_short_id;

    /// Reroll the current user's short id (`POST`).
    ///
    /// The same as `GET /users/@me/reroll`, for clients that rightly send a change as a `POST`.
    /// No body is read.
    #[post("/users/@me/reroll")]
    pub async fn reroll_my_short_id_post;
}
