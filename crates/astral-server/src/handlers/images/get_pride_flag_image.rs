use actix_web::{get, web, HttpRequest, HttpResponse};
use astral_media::{is_hash, OutputFormat};
use astral_types::ErrorBody;

use super::{
    image_error, image_response, limit, not_found, not_modified, size, ImageFile, SizeQuery,
};
use crate::error::ApiError;
use crate::state::AppState;

/// A pride flag's image.
///
/// `file` is `HASH.webp`: flags are stored as WebP. Served while some user has a flag with
/// this image; `?size=` scales it down.
#[utoipa::path(
    operation_id = "get_pride_flag_image",
    tag = "cdn",
    params(
        ("file" = String, Path, description = "`HASH.webp`, e.g. `1269e74af4df7417b13759eae50c83dc.webp`."),
        SizeQuery,
    ),
    responses(
        (status = 200, description = "The image.", content((ImageFile = "image/webp"))),
        (status = 404, description = "No flag has this image.", body = ErrorBody),
    ),
    security()
)]
#[get("/flags/{file}")]
pub async fn get_pride_flag_image(
    state: web::Data<AppState>,
    req: HttpRequest,
    file: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    if let Some(refusal) = limit::refuse(&state, &req) {
        return Ok(refusal);
    }
    let size = size(&req)?;
    let hash = file.strip_suffix(".webp").filter(|hash| is_hash(hash)).ok_or_else(not_found)?;
    let owned = hash.to_owned();
    if !state.run(move |store| store.pride_flag_image_exists(&owned)).await? {
        return Err(not_found());
    }
    let format = OutputFormat::WebP;
    let name = format!("flag-{hash}-{}.{}", size.unwrap_or(0), format.extension());
    if let Some(answer) = not_modified(&req, &name) {
        return Ok(answer);
    }
    let bytes = state
        .images
        .variant(hash, format, size)
        .await
        .map_err(image_error)?
        .ok_or_else(not_found)?;
    Ok(image_response(bytes, format, &name))
}
