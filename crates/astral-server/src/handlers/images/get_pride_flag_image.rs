use actix_web::{get, web, HttpRequest};
use astral_media::OutputFormat;
use astral_types::ErrorBody;

use super::{serve_image, ImageFile, SizeQuery};
use crate::handlers::{Reply, State};

/// A pride flag's image.
///
/// `file` is `HASH.webp`: flags are stored as WebP. Served while some user has a flag with
/// this image; `?size=` scales it down.
#[utoipa::path(
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
    state: State,
    req: HttpRequest,
    file: web::Path<String>,
) -> Reply {
    // Flags are stored as WebP only. Their cache names (ETags) start `flag-` as they always
    // have, so what clients cached stays valid.
    let file = file.strip_suffix(".webp").map(|hash| (hash, OutputFormat::WebP));
    serve_image(&state, &req, file, "flag-", |store, hash| store.pride_flag_image_exists(hash))
        .await
}
