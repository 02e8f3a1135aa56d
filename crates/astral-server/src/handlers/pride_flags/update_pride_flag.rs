use actix_web::{patch, web::Json};
use astral_store::{PrideFlagEdit, Store};
use astral_types::pride_flag::{PrideFlag, UpdatePrideFlagRequest};

use super::{pride_flag_refused, Flag, UnknownPrideFlag};
use crate::body::{InvalidBody, JsonBody};
use crate::error::ApiError;
use crate::handlers::path::InPath;
use crate::handlers::relationships::BotsRefused;
use crate::handlers::{Authed, Reply};
use crate::wire;

/// Edit one of the current user's pride flags.
///
/// Absent fields stay unchanged; `null` clears the description. The image cannot be changed
/// (create a new flag). Another user's flag is unknown (404 / 10080).
#[utoipa::path(
    tag = "pride-flags",
    params(InPath<Flag>),
    request_body(content = UpdatePrideFlagRequest, content_type = "application/json"),
    responses(
        (status = 200, description = "The updated flag.", body = PrideFlag),
        InvalidBody,
        BotsRefused,
        UnknownPrideFlag,
    )
)]
#[patch("/users/@me/flags/{flag_id}")]
pub async fn update_pride_flag(
    cx: Authed,
    flag: InPath<Flag>,
    body: JsonBody,
) -> Reply<Json<PrideFlag>> {
    let (me, flag) = (cx.users_only()?, flag.get()?);
    let changes = UpdatePrideFlagRequest::read(&body.0).map_err(ApiError::form)?;
    let edit = PrideFlagEdit { name: changes.name, description: changes.description };
    let update = move |store: &Store| store.update_pride_flag(me, flag, edit);
    Ok(Json(wire::pride_flag(&cx.state.decide(update, pride_flag_refused).await?)))
}
