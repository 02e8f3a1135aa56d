use actix_web::{get, web, HttpRequest};
use astral_types::{ErrorBody, Snowflake};

use super::{serve_image, split_file, ImageFile, SizeQuery};
use crate::handlers::{Reply, State};

/// A member's avatar.
///
/// pronouns.cc's members (profiles a user keeps, not guild members), in the style of
/// Discord's avatar path. `file` is `HASH.EXT` with EXT one of `png`, `jpg`, `jpeg`, `webp`,
/// `gif`; the image is converted as needed. Any hash the member ever had is served, hidden
/// members' too: like Discord's CDN, a hash is the secret (128 bits), not the member's
/// visibility.
#[utoipa::path(
    tag = "cdn",
    params(
        ("member_id" = String, Path, description = "The member's id."),
        ("file" = String, Path, description = "`HASH.EXT`, e.g. `1269e74af4df7417b13759eae50c83dc.webp`."),
        SizeQuery,
    ),
    responses(
        (status = 200, description = "The image.", content(
            (ImageFile = "image/png"), (ImageFile = "image/jpeg"), (ImageFile = "image/webp"), (ImageFile = "image/gif")
        )),
        (status = 404, description = "No such image for this member.", body = ErrorBody),
    ),
    security()
)]
#[get("/member-avatars/{member_id}/{file}")]
pub async fn get_member_avatar(
    state: State,
    req: HttpRequest,
    path: web::Path<(String, String)>,
) -> Reply {
    let (member_id, file) = path.into_inner();
    let member: Option<Snowflake> = member_id.parse().ok();
    serve_image(&state, &req, split_file(&file), "", move |store, hash| match member {
        Some(member) => store.member_has_image(member, hash),
        None => Ok(false),
    })
    .await
}
