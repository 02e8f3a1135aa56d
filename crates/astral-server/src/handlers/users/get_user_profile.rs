use actix_web::{get, web, web::Json, HttpRequest};
use astral_store::RelationshipKind;
use astral_types::guild::{MutualGuild, ProfileQuery, UserProfile};
use astral_types::ErrorBody;

use crate::auth::Caller;
use crate::error::ApiError;
use crate::handlers::relationships::target;
use crate::query::query_pairs;
use crate::state::AppState;
use crate::wire;

/// Get a user's profile.
///
/// The public user, and on request the guilds and friends the caller shares with them. A user
/// who blocked the caller shows nothing beyond the public user.
#[utoipa::path(
    operation_id = "get_user_profile",
    tag = "users",
    params(("user_id" = String, Path, description = "The user's id."), ProfileQuery),
    responses(
        (status = 200, description = "The profile.", body = UserProfile),
        (status = 400, description = "Invalid query parameter (50035).", body = ErrorBody),
        (status = 404, description = "Unknown user (10013).", body = ErrorBody),
    )
)]
#[get("/users/{user_id}/profile")]
pub async fn get_user_profile(
    state: web::Data<AppState>,
    caller: Caller,
    user_id: web::Path<String>,
    req: HttpRequest,
) -> Result<Json<UserProfile>, ApiError> {
    let ProfileQuery {
        with_mutual_guilds: guilds,
        with_mutual_friends: friends,
        with_mutual_friends_count: friends_count,
    } = ProfileQuery::read(&query_pairs(&req)).map_err(ApiError::form)?;
    let user = target(&state, &user_id).await?;
    let (me, them) = (caller.id(), user.user_id());
    let mut profile = UserProfile {
        user: wire::public_user(&user),
        mutual_guilds: None,
        mutual_friends: None,
        mutual_friends_count: None,
    };
    let blocked_me = state
        .run(move |store| store.relationship_kind(them, me))
        .await?
        == Some(RelationshipKind::Blocked);
    if blocked_me {
        return Ok(Json(profile));
    }
    if guilds {
        let ids = state
            .run(move |store| store.mutual_guilds(me, them))
            .await?;
        profile.mutual_guilds = Some(
            ids.into_iter()
                .map(|id| MutualGuild { id, nick: None })
                .collect(),
        );
    }
    if friends || friends_count {
        let mutual = state
            .run(move |store| store.mutual_friends(me, them))
            .await?;
        if friends_count {
            profile.mutual_friends_count = Some(mutual.len() as i64);
        }
        if friends {
            profile.mutual_friends = Some(mutual.iter().map(wire::public_user).collect());
        }
    }
    Ok(Json(profile))
}
