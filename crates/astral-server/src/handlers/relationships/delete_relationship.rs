use actix_web::delete;

use super::{BotsRefused, Done};
use crate::handlers::path::InPath;
use crate::handlers::users::{UnknownUser, User};
use crate::handlers::{no_content, Authed, Reply};

/// Remove a relationship.
///
/// Removes a friend (on both sides), cancels an outgoing or declines an incoming request, or
/// unblocks. Removing a relationship that does not exist is not an error.
#[utoipa::path(
    tag = "relationships",
    params(("user_id" = String, Path, description = "The other user's id.")),
    responses(
        Done,
        BotsRefused,
        UnknownUser,
    )
)]
#[delete("/users/@me/relationships/{user_id}")]
pub async fn delete_relationship(cx: Authed, user: InPath<User>) -> Reply {
    let me = cx.users_only()?;
    let them = user.record(&cx.state).await?.user_id();
    cx.state.run(move |store| store.remove_relationship(me, them)).await?;
    no_content()
}
