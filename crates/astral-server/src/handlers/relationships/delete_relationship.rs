use actix_web::{delete, web, HttpResponse};
use astral_types::ErrorBody;

use super::users_only;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::handlers::users::user_in_path;
use crate::state::AppState;

/// Remove a relationship.
///
/// Removes a friend (on both sides), cancels an outgoing or declines an incoming request, or
/// unblocks. Removing a relationship that does not exist is not an error.
#[utoipa::path(
    operation_id = "delete_relationship",
    tag = "relationships",
    params(("user_id" = String, Path, description = "The other user's id.")),
    responses(
        (status = 204, description = "Done."),
        (status = 403, description = "Bots cannot use this endpoint (20001).", body = ErrorBody),
        (status = 404, description = "Unknown user (10013).", body = ErrorBody),
    )
)]
#[delete("/users/@me/relationships/{user_id}")]
pub async fn delete_relationship(
    state: web::Data<AppState>,
    caller: Caller,
    user_id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    users_only(&caller)?;
    let other = user_in_path(&state, &user_id).await?;
    let (me, them) = (caller.id(), other.user_id());
    state.run(move |store| store.remove_relationship(me, them)).await?;
    Ok(HttpResponse::NoContent().finish())
}
