use actix_web::{delete, web, HttpResponse};
use astral_types::ErrorBody;

use super::{flag_id_in_path, pride_flag_refused};
use crate::auth::Caller;
use crate::error::ApiError;
use crate::handlers::relationships::users_only;
use crate::state::AppState;

/// Delete one of the current user's pride flags.
///
/// It is removed from the profile's `pride_flags` too. Another user's flag is unknown
/// (404 / 10080).
#[utoipa::path(
    operation_id = "delete_pride_flag",
    tag = "pride-flags",
    params(("flag_id" = String, Path, description = "The flag's id.")),
    responses(
        (status = 204, description = "Deleted."),
        (status = 403, description = "Bots cannot use this endpoint (20001).", body = ErrorBody),
        (status = 404, description = "No such flag of the caller's (10080).", body = ErrorBody),
    )
)]
#[delete("/users/@me/flags/{flag_id}")]
pub async fn delete_pride_flag(
    state: web::Data<AppState>,
    caller: Caller,
    flag_id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    users_only(&caller)?;
    let flag = flag_id_in_path(&flag_id)?;
    let me = caller.id();
    state.run(move |store| store.delete_pride_flag(me, flag)).await?.map_err(pride_flag_refused)?;
    Ok(HttpResponse::NoContent().finish())
}
