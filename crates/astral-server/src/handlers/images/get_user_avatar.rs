use actix_web::{get, web, HttpRequest};
use astral_store::ImageSlot;
use astral_types::ErrorBody;

use super::{serve_user_image, ImageFile, SizeQuery};
use crate::handlers::{Reply, State};

operations! {
    [
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
    ]
    fn(state: State, req: HttpRequest, path: web::Path<(String, String)>) -> Reply {
        let (user_id, file) = path.into_inner();
        serve_user_image(&state, &req, slot, &user_id, &file).await
    }

    /// A user's avatar.
    ///
    /// `file` is `HASH.EXT` with EXT one of `png`, `jpg`, `jpeg`, `webp`, `gif`; the image is
    /// converted as needed. Any hash the user ever uploaded is served.
    #[get("/avatars/{user_id}/{file}")]
    pub async fn get_user_avatar where slot = ImageSlot::Avatar;

    /// A user's banner.
    ///
    /// `file` is `HASH.EXT` with EXT one of `png`, `jpg`, `jpeg`, `webp`, `gif`; the image is
    /// converted as needed. Any hash the user ever uploaded is served.
    #[get("/banners/{user_id}/{file}")]
    pub async fn get_user_banner where slot = ImageSlot::Banner;
}
