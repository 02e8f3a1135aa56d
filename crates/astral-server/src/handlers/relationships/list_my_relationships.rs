use actix_web::{get, web::Json};
use astral_types::user::Relationship;

use super::BotsRefused;
use crate::handlers::{Authed, Reply};
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
pub async fn list_my_relationships(cx: Authed) -> Reply<Json<Vec<Relationship>>> {
    let me = cx.users_only()?;
    let rows = cx.state.run(move |store| store.relationships(me)).await?;
    Ok(Json(rows.iter().map(wire::relationship).collect()))
}
