use actix_web::{get, web::Json};
use astral_types::pride_flag::PrideFlag;

use crate::handlers::relationships::BotsRefused;
use crate::handlers::{Authed, Reply};
use crate::wire;

/// List the current user's pride flags.
///
/// Oldest first; at most 500 (the per-user cap).
#[utoipa::path(
    tag = "pride-flags",
    responses(
        (status = 200, description = "The caller's flags.", body = Vec<PrideFlag>),
        BotsRefused,
    )
)]
#[get("/users/@me/flags")]
pub async fn list_my_pride_flags(cx: Authed) -> Reply<Json<Vec<PrideFlag>>> {
    let me = cx.users_only()?;
    let flags = cx.state.run(move |store| store.pride_flags(me)).await?;
    Ok(Json(flags.iter().map(wire::pride_flag).collect()))
}
