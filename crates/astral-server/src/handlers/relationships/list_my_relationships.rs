use actix_web::{get, web, web::Json};
use astral_types::user::Relationship;
use astral_types::ErrorBody;

use super::users_only;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::state::AppState;
use crate::wire;

/// List the current user's relationships.
///
/// Friends (1), blocks (2), incoming (3) and outgoing (4) requests, oldest first.
#[utoipa::path(
    operation_id = "list_my_relationships",
    tag = "relationships",
    responses(
        (status = 200, description = "The relationships.", body = Vec<Relationship>),
        (status = 403, description = "Bots cannot use this endpoint (20001).", body = ErrorBody),
    )
)]
#[get("/users/@me/relationships")]
pub async fn list_my_relationships(
    state: web::Data<AppState>,
    caller: Caller,
) -> Result<Json<Vec<Relationship>>, ApiError> {
    users_only(&caller)?;
    let me = caller.id();
    let rows = state.run(move |store| store.relationships(me)).await?;
    Ok(Json(rows.iter().map(wire::relationship).collect()))
}
