use actix_web::{get, web, HttpRequest, HttpResponse};
use astral_media::{default_avatar, OutputFormat, DEFAULT_AVATAR_COUNT};
use astral_types::ErrorBody;

use super::{image_response, not_found, size, ImageFile, SizeQuery};
use crate::error::ApiError;

/// A default avatar.
///
/// `file` is `INDEX.png` with INDEX 0–5; a user without an avatar has index
/// `(user_id >> 22) % 6` (Discord's rule).
#[utoipa::path(
    operation_id = "get_default_avatar",
    tag = "cdn",
    params(
        ("file" = String, Path, description = "`INDEX.png`, INDEX from 0 to 5."),
        SizeQuery,
    ),
    responses(
        (status = 200, description = "The image.", content((ImageFile = "image/png"))),
        (status = 304, description = "Not modified (`If-None-Match` matched the `ETag`)."),
        (status = 400, description = "Invalid `size`.", body = ErrorBody),
        (status = 404, description = "No such default avatar.", body = ErrorBody),
        (status = "5XX", description = "Server failure.", body = ErrorBody),
    )
)]
#[get("/embed/avatars/{file}")]
pub async fn get_default_avatar(
    req: HttpRequest,
    file: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let size = size(&req)?.unwrap_or(256);
    let index: u64 = file
        .strip_suffix(".png")
        .and_then(|i| i.parse().ok())
        .filter(|i| *i < DEFAULT_AVATAR_COUNT)
        .ok_or_else(not_found)?;
    let bytes = web::block(move || default_avatar(index, size))
        .await
        .map_err(ApiError::internal)?
        .ok_or_else(not_found)?;
    Ok(image_response(
        &req,
        bytes,
        OutputFormat::Png,
        format!("default-{index}-{size}.png"),
    ))
}
