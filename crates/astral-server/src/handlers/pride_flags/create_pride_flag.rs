use actix_web::{post, web::Json};
use astral_media::decode_flag;
use astral_store::{NewPrideFlagRecord, Store};
use astral_types::pride_flag::{CreatePrideFlagRequest, PrideFlag, MAX_PRIDE_FLAGS};
use astral_types::ErrorBody;

use super::pride_flag_refused;
use crate::body::ImageJsonBody;
use crate::error::ApiError;
use crate::handlers::images::image_error;
use crate::handlers::relationships::BotsRefused;
use crate::handlers::{Authed, Reply};
use crate::wire;

/// Create a pride flag.
///
/// `flag` is a PNG, JPEG or WebP image (GIF is refused), as a data URI or raw base64, at most
/// 10 MiB and 4096×4096 pixels; it is stored as a lossless WebP scaled to fit 512×512 and
/// served at `/flags/{hash}.webp`. Nobody has more than 500 flags (400 / 30080).
#[utoipa::path(
    tag = "pride-flags",
    request_body(content = CreatePrideFlagRequest, content_type = "application/json"),
    responses(
        (status = 200, description = "The new flag.", body = PrideFlag,
            links(
                ("update_pride_flag" = (operation_id = "update_pride_flag", parameters(("flag_id" = "$response.body#/id")))),
                ("delete_pride_flag" = (operation_id = "delete_pride_flag", parameters(("flag_id" = "$response.body#/id"))))
            )
        ),
        (status = 400, description = "Invalid JSON (50109), invalid fields (50035; a refused image is `IMAGE_INVALID` on `flag`), or the caller has 500 flags already (30080).", body = ErrorBody),
        BotsRefused,
    )
)]
#[post("/users/@me/flags")]
pub async fn create_pride_flag(cx: Authed, body: ImageJsonBody) -> Reply<Json<PrideFlag>> {
    let me = cx.users_only()?;
    let mut draft = CreatePrideFlagRequest::read(&body.0).map_err(ApiError::form)?;
    // Decoded (CPU-heavy) on the image workers, never the database's threads; busy workers
    // answer 503. The route's own rate-limit bucket bounds how often one token can ask.
    let image = match draft.take_flag() {
        Ok(value) => cx
            .state
            .images
            .decode(move || decode_flag(&value))
            .await
            .map_err(image_error)?
            .map_err(|refused| draft.refuse_flag(refused.0)),
        Err(missing) => Err(missing),
    };
    let (new, upload) = draft.finish(image).map_err(ApiError::form)?;

    // Stored before the row points at it. Content-addressed: should the insert below fail or
    // be refused, an unreferenced file is harmless (and served by nobody).
    cx.state
        .images
        .store_originals(vec![(upload.hash.clone(), upload.bytes)])
        .await
        .map_err(image_error)?;
    let record =
        NewPrideFlagRecord { hash: upload.hash, name: new.name, description: new.description };
    let create = move |store: &Store| store.create_pride_flag(me, record, MAX_PRIDE_FLAGS);
    Ok(Json(wire::pride_flag(&cx.state.decide(create, pride_flag_refused).await?)))
}
