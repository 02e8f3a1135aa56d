use actix_web::patch;
use astral_store::RelationshipKind;
use astral_types::user::PatchRelationship;
use astral_types::ErrorBody;

use super::{BotsRefused, Done};
use crate::body::JsonBody;
use crate::error::ApiError;
use crate::handlers::path::InPath;
use crate::handlers::users::{UnknownUser, User};
use crate::handlers::{no_content, Authed, Reply};

/// Set a friend's nickname.
///
/// Friends only; 1–32 characters; `null` clears it.
#[utoipa::path(
    tag = "relationships",
    params(("user_id" = String, Path, description = "The friend's id.")),
    request_body(content = PatchRelationship, content_type = "application/json"),
    responses(
        Done,
        (status = 400, description = "Not a friend, or an invalid body (50035, 50109).", body = ErrorBody),
        BotsRefused,
        UnknownUser,
    )
)]
#[patch("/users/@me/relationships/{user_id}")]
pub async fn update_relationship(cx: Authed, user: InPath<User>, body: JsonBody) -> Reply {
    let me = cx.users_only()?;
    let PatchRelationship { nickname } =
        PatchRelationship::read(&body.0).map_err(ApiError::form)?;
    let them = user.record(&cx.state).await?.user_id();
    // A body without `nickname` changes nothing, but only a friend has a relationship to
    // patch: answering 204 for anyone else would report success on something that is not there.
    let friends = match nickname {
        Some(nickname) => {
            cx.state.run(move |store| store.set_friend_nickname(me, them, nickname)).await?
        }
        None => {
            cx.state.run(move |store| store.relationship_kind(me, them)).await?
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
    no_content()
}
