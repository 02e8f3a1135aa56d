use actix_web::{patch, web, HttpResponse};
use astral_store::RelationshipKind;
use astral_types::user::PatchRelationship;
use astral_types::ErrorBody;

use super::users_only;
use crate::auth::Caller;
use crate::body::JsonBody;
use crate::error::ApiError;
use crate::handlers::users::user_in_path;
use crate::state::AppState;

/// Set a friend's nickname.
///
/// Friends only; 1–32 characters; `null` clears it.
#[utoipa::path(
    operation_id = "update_relationship",
    tag = "relationships",
    params(("user_id" = String, Path, description = "The friend's id.")),
    request_body(content = PatchRelationship, content_type = "application/json"),
    responses(
        (status = 204, description = "Done."),
        (status = 400, description = "Not a friend, or an invalid body (50035, 50109).", body = ErrorBody),
        (status = 403, description = "Bots cannot use this endpoint (20001).", body = ErrorBody),
        (status = 404, description = "Unknown user (10013).", body = ErrorBody),
    )
)]
#[patch("/users/@me/relationships/{user_id}")]
pub async fn update_relationship(
    state: web::Data<AppState>,
    caller: Caller,
    user_id: web::Path<String>,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    users_only(&caller)?;
    let PatchRelationship { nickname } =
        PatchRelationship::read(&body.0).map_err(ApiError::form)?;
    let other = user_in_path(&state, &user_id).await?;
    let (me, them) = (caller.id(), other.user_id());
    // A body without `nickname` changes nothing, but only a friend has a relationship to
    // patch: answering 204 for anyone else would report success on something that is not there.
    let friends = match nickname {
        Some(nickname) => {
            state.run(move |store| store.set_friend_nickname(me, them, nickname)).await?
        }
        None => {
            state.run(move |store| store.relationship_kind(me, them)).await?
                == Some(RelationshipKind::Friend)
        }
    };
    if !friends {
        return Err(ApiError::field(
            "nickname",
            "RELATIONSHIP_NOT_FRIENDS",
            "Only friends can have a nickname.",
        ));
    }
    Ok(HttpResponse::NoContent().finish())
}
