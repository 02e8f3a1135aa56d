use actix_web::{get, web, HttpRequest, HttpResponse};
use astral_store::ImageSlot;
use astral_types::ErrorBody;

use super::{serve_user_image, ImageFile, SizeQuery};
use crate::error::ApiError;
use crate::state::AppState;

/// A user's banner.
///
/// `file` is `HASH.EXT` with EXT one of `png`, `jpg`, `jpeg`, `webp`, `gif`; the image is
/// converted as needed. Any hash the user ever uploaded is served.
#[utoipa::path(
    operation_id = "get_user_banner",
    tag = "cdn",
    params(
        ("user_id" = String, Path, description = "The user's id."),
        ("file" = String, Path, description = "`HASH.EXT`, e.g. `a_1269e74af4df7417b13759eae50c83dc.gif`."),
        SizeQuery,
    ),
    responses(
        (status = 200, description = "The image.", content(
            (ImageFile = "image/png"), (ImageFile = "image/jpeg"), (ImageFile = "image/webp"), (ImageFile = "image/gif")
        )),
        (status = 404, description = "No such image for this user.", body = ErrorBody),
    ),
    security()
)]
#[get("/banners/{user_id}/{file}")]
pub async fn get_user_banner(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (user_id, file) = path.into_inner();
    serve_user_image(&state, &req, ImageSlot::Banner, &user_id, &file).await
}
