use actix_web::{get, web, HttpRequest};
use astral_media::{OutputFormat, DEFAULT_AVATAR_COUNT};
use astral_types::ErrorBody;

use super::{answer_image, limit, not_found, size, ImageFile, SizeQuery};
use crate::handlers::{Reply, State};

/// A default avatar.
///
/// `file` is `INDEX.png` with INDEX 0–5; a user without an avatar has index
/// `(user_id >> 22) % 6` (Discord's rule).
#[utoipa::path(
    tag = "cdn",
    params(
        ("file" = String, Path, description = "`INDEX.png`, INDEX from 0 to 5."),
        SizeQuery,
    ),
    responses(
        (status = 200, description = "The image.", content((ImageFile = "image/png"))),
        (status = 404, description = "No such default avatar.", body = ErrorBody),
    ),
    security()
)]
#[get("/embed/avatars/{file}")]
pub async fn get_default_avatar(state: State, req: HttpRequest, file: web::Path<String>) -> Reply {
    if let Some(refusal) = limit::refuse(&state, &req) {
        return Ok(refusal);
    }
    let size = size(&req)?.unwrap_or(256);
    let index: u64 = file
        .strip_suffix(".png")
        .and_then(|i| i.parse().ok())
        .filter(|i| *i < DEFAULT_AVATAR_COUNT)
        .ok_or_else(not_found)?;
    let name = format!("default-{index}-{size}.png");
    // Rendered once per index and size, then served from memory.
    answer_image(&req, &name, OutputFormat::Png, || state.images.default_avatar(index, size)).await
}
