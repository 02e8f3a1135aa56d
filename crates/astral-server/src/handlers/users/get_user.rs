use actix_web::{get, web::Json};
use astral_store::Store;
use astral_types::user::UserWithProfile;

use super::{unknown_user, UnknownUser, User};
use crate::auth::OptionalCaller;
use crate::handlers::path::InPath;
use crate::handlers::{Reply, State};
use crate::wire;

/// Get a user.
///
/// Anyone's public user with their pronouns.cc profile; the self-only fields (`created_at`,
/// `timezone`, `list_private`, `is_admin`, `last_sid_reroll`) only when the caller is that
/// user. No shared guild is needed, and no token either (anonymous calls are charged to the
/// client address's unauthenticated bucket; a token that does not authenticate is still 401).
/// The user is named by id, username or short id: a value that is a snowflake is looked up as
/// an id, then as a username (all-digit usernames exist); anything else as a username
/// (ignoring case), then as a short id. Nothing found is an unknown user (10013).
#[utoipa::path(
    tag = "users",
    security((), ("Token" = [])),
    params((
        "user_id" = String,
        Path,
        description = "The user's id (a snowflake), username (ignoring case) or short id \
                       (`sid`, 5 letters). A snowflake is tried as an id, then as a username; \
                       anything else as a username, then as a short id."
    )),
    responses(
        (status = 200, description = "The user.", body = UserWithProfile),
        UnknownUser,
    )
)]
#[get("/users/{user_id}")]
pub async fn get_user(
    state: State,
    // Refuses a bad token; a caller who is the user also gets the self-only fields.
    caller: OptionalCaller,
    user: InPath<User>,
) -> Reply<Json<UserWithProfile>> {
    let (lookup, viewer) = (user.lookup(), caller.id());
    let find = move |store: &Store| store.find_user_with_profile(lookup, viewer);
    let found = state.find(find, unknown_user).await?;
    Ok(Json(wire::user_with_profile(&found, viewer)))
}
