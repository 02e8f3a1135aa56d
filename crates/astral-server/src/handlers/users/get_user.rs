use actix_web::{get, web, web::Json};
use astral_types::user::UserWithProfile;
use astral_types::ErrorBody;

use super::{unknown_user, user_lookup_in_path};
use crate::auth::OptionalCaller;
use crate::error::ApiError;
use crate::state::AppState;
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
    operation_id = "get_user",
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
        (status = 404, description = "Unknown user (10013).", body = ErrorBody),
    )
)]
#[get("/users/{user_id}")]
pub async fn get_user(
    state: web::Data<AppState>,
    // Refuses a bad token; a caller who is the user also gets the self-only fields.
    caller: OptionalCaller,
    user_id: web::Path<String>,
) -> Result<Json<UserWithProfile>, ApiError> {
    let lookup = user_lookup_in_path(&user_id);
    let viewer = caller.0.map(|caller| caller.id());
    let found = state
        .run(move |store| store.find_user_with_profile(lookup, viewer))
        .await?
        .ok_or_else(unknown_user)?;
    Ok(Json(wire::user_with_profile(&found, viewer)))
}
