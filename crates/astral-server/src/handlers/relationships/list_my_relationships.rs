use actix_web::{get, web::Json};
use astral_types::user::Relationship;

use super::{users_only, BotsRefused};
use crate::auth::Caller;
use crate::handlers::{Reply, State};
use crate::wire;

/// List the current user's relationships.
///
/// Friends (1), blocks (2), incoming (3) and outgoing (4) requests, oldest first.
#[utoipa::path(
    tag = "relationships",
    responses(
        (status = 200, description = "The relationships.", body = Vec<Relationship>),
        BotsRefused,
    )
)]
#[get("/users/@me/relationships")]
pub async fn list_my_relationships(state: State, caller: Caller) -> Reply<Json<Vec<Relationship>>> {
    users_only(&caller)?;
    let me = caller.id();
    let rows = state.run(move |store| store.relationships(me)).await?;
    Ok(Json(rows.iter().map(wire::relationship).collect()))
}
