use actix_web::{patch, web, web::Json};
use astral_store::PrideFlagEdit;
use astral_types::pride_flag::{PrideFlag, UpdatePrideFlagRequest};
use astral_types::ErrorBody;

use super::{flag_id_in_path, pride_flag_refused};
use crate::auth::Caller;
use crate::body::JsonBody;
use crate::error::ApiError;
use crate::handlers::relationships::users_only;
use crate::state::AppState;
use crate::wire;

/// Edit one of the current user's pride flags.
///
/// Absent fields stay unchanged; `null` clears the description. The image cannot be changed
/// (create a new flag). Another user's flag is unknown (404 / 10080).
#[utoipa::path(
    operation_id = "update_pride_flag",
    tag = "pride-flags",
    params(("flag_id" = String, Path, description = "The flag's id.")),
    request_body(content = UpdatePrideFlagRequest, content_type = "application/json"),
    responses(
        (status = 200, description = "The updated flag.", body = PrideFlag),
        (status = 400, description = "Invalid JSON (50109) or invalid fields (50035).", body = ErrorBody),
        (status = 403, description = "Bots cannot use this endpoint (20001).", body = ErrorBody),
        (status = 404, description = "No such flag of the caller's (10080).", body = ErrorBody),
    )
)]
#[patch("/users/@me/flags/{flag_id}")]
pub async fn update_pride_flag(
    state: web::Data<AppState>,
    caller: Caller,
    flag_id: web::Path<String>,
    body: JsonBody,
) -> Result<Json<PrideFlag>, ApiError> {
    users_only(&caller)?;
    let flag = flag_id_in_path(&flag_id)?;
    let changes = UpdatePrideFlagRequest::read(&body.0).map_err(ApiError::form)?;
    let edit = PrideFlagEdit { name: changes.name, description: changes.description };
    let me = caller.id();
    let record = state
        .run(move |store| store.update_pride_flag(me, flag, edit))
        .await?
        .map_err(pride_flag_refused)?;
    Ok(Json(wire::pride_flag(&record)))
}
