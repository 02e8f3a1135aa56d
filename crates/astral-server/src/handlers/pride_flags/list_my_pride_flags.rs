use actix_web::{get, web, web::Json};
use astral_types::pride_flag::PrideFlag;
use astral_types::ErrorBody;

use crate::auth::Caller;
use crate::error::ApiError;
use crate::handlers::relationships::users_only;
use crate::state::AppState;
use crate::wire;

/// List the current user's pride flags.
///
/// Oldest first; at most 500 (the per-user cap).
#[utoipa::path(
    operation_id = "list_my_pride_flags",
    tag = "pride-flags",
    responses(
        (status = 200, description = "The caller's flags.", body = Vec<PrideFlag>),
        (status = 403, description = "Bots cannot use this endpoint (20001).", body = ErrorBody),
    )
)]
#[get("/users/@me/flags")]
pub async fn list_my_pride_flags(
    state: web::Data<AppState>,
    caller: Caller,
) -> Result<Json<Vec<PrideFlag>>, ApiError> {
    users_only(&caller)?;
    let me = caller.id();
    let flags = state.run(move |store| store.pride_flags(me)).await?;
    Ok(Json(flags.iter().map(wire::pride_flag).collect()))
}
