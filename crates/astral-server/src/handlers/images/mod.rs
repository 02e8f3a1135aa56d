//! Discord's CDN paths, served from the root: `/avatars/{user_id}/{hash}.{ext}`,
//! `/banners/{user_id}/{hash}.{ext}` and `/embed/avatars/{index}.png`, each with `?size=`; and
//! pride flags' images at `/flags/{hash}.webp`; and in their style pronouns.cc members' avatars,
//! `/member-avatars/{member_id}/{hash}.{ext}`.
//!
//! A hash is served only under the id of the user who uploaded it (any hash they ever had, so
//! old URLs keep working). Images are immutable under their names: long-lived caching and an
//! `ETag` derived from the name.
//!
//! Every image route is limited per client address first ([`limit`]); reading, rendering and
//! caching run on the image workers ([`astral_media::ImageWorkers`]), never on the database's
//! threads: a request that finds them busy past their queue timeout answers 503.

pub mod get_default_avatar;
pub mod get_member_avatar;
pub mod get_pride_flag_image;
pub mod get_user_avatar;
pub mod limit;

pub use limit::AddressLimit;

use std::future::Future;

use actix_web::http::header;
use actix_web::web::Bytes;
use actix_web::{web, HttpRequest, HttpResponse};
use astral_media::{is_hash, ImageError, OutputFormat};
use astral_store::ImageSlot;
use astral_types::UserId;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::error::{ApiError, ErrorKind};
use crate::state::AppState;

/// `?size=`: a power of two from 16 to 4096.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SizeQuery {
    /// Longest side in pixels: a power of two from 16 to 4096. Absent: the original size.
    #[param(schema_with = size_schema)]
    pub size: Option<i32>,
}

/// The sizes [`size`] accepts, so the contract lists exactly them.
const SIZES: [i32; 9] = [16, 32, 64, 128, 256, 512, 1024, 2048, 4096];

fn size_schema() -> utoipa::openapi::schema::Object {
    utoipa::openapi::schema::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::Integer)
        .format(Some(utoipa::openapi::schema::SchemaFormat::KnownFormat(
            utoipa::openapi::schema::KnownFormat::Int32,
        )))
        .enum_values(Some(SIZES))
        .build()
}

/// An image file in a response body (`type: string, format: binary`).
pub struct ImageFile;

impl utoipa::PartialSchema for ImageFile {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::schema::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .format(Some(utoipa::openapi::schema::SchemaFormat::KnownFormat(
                utoipa::openapi::schema::KnownFormat::Binary,
            )))
            .description(Some("Image bytes."))
            .into()
    }
}

impl utoipa::ToSchema for ImageFile {}

const CACHE_CONTROL: &str = "public, max-age=31536000, immutable";

fn not_found() -> ApiError {
    ApiError::new(ErrorKind::RouteNotFound)
}

/// Reads `size` from the query string by hand, so a bad value is a Discord-shaped 400.
pub(crate) fn size(req: &HttpRequest) -> Result<Option<u32>, ApiError> {
    let query =
        web::Query::<Vec<(String, String)>>::from_query(req.query_string()).map_err(|_| {
            ApiError::field(
                "size",
                "BASE_TYPE_CHOICES",
                "Size must be a power of two between 16 and 4096.",
            )
        })?;
    let Some((_, raw)) = query.iter().find(|(k, _)| k == "size") else {
        return Ok(None);
    };
    match raw.parse::<i32>() {
        Ok(n) if SIZES.contains(&n) => Ok(Some(n.unsigned_abs())),
        _ => Err(ApiError::field(
            "size",
            "BASE_TYPE_CHOICES",
            "Size must be a power of two between 16 and 4096.",
        )),
    }
}

/// `HASH.EXT` → the hash and output format.
fn split_file(file: &str) -> Option<(&str, OutputFormat)> {
    let (hash, ext) = file.rsplit_once('.')?;
    Some((hash, OutputFormat::from_extension(ext)?))
}

fn etag(name: &str) -> String {
    format!("\"{name}\"")
}

/// A 304 when `If-None-Match` names this image: a name never changes its bytes, so nothing
/// needs to be read or rendered.
fn not_modified(req: &HttpRequest, name: &str) -> Option<HttpResponse> {
    let etag = etag(name);
    req.headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"))
        .then(|| {
            HttpResponse::NotModified()
                .insert_header((header::CACHE_CONTROL, CACHE_CONTROL))
                .insert_header((header::ETAG, etag))
                .finish()
        })
}

fn image_response(bytes: Bytes, format: OutputFormat, name: &str) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, CACHE_CONTROL))
        .insert_header((header::ETAG, etag(name)))
        .content_type(format.content_type())
        .body(bytes)
}

/// Serves a user's avatar or banner.
pub(crate) async fn serve_user_image(
    state: &AppState,
    req: &HttpRequest,
    slot: ImageSlot,
    user_id: &str,
    file: &str,
) -> Result<HttpResponse, ApiError> {
    let user_id: Option<UserId> = user_id.parse().ok();
    serve_image(state, req, split_file(file), "", move |store, hash| match user_id {
        Some(user_id) => store.user_has_image(user_id, slot, hash),
        None => Ok(false),
    })
    .await
}

/// Serves the image `file` (its hash and output format, `None` when the route's file name is
/// malformed) that `uploaded(store, hash)` says was uploaded under the path's owner (a user, a
/// member) or is in use (a pride flag). The per-address limit and `size` come first, so a bad
/// size is a 400 even on a malformed name; `uploaded` runs on the database's threads, only for
/// a well-formed hash. `cache_prefix` starts the image's cache name (its `ETag`).
pub(crate) async fn serve_image<F>(
    state: &AppState,
    req: &HttpRequest,
    file: Option<(&str, OutputFormat)>,
    cache_prefix: &str,
    uploaded: F,
) -> Result<HttpResponse, ApiError>
where
    F: FnOnce(&astral_store::Store, &str) -> Result<bool, astral_store::StoreError>
        + Send
        + 'static,
{
    if let Some(refusal) = limit::refuse(state, req) {
        return Ok(refusal);
    }
    let size = size(req)?;
    let (hash, format) = file.ok_or_else(not_found)?;
    if !is_hash(hash) {
        return Err(not_found());
    }
    let owned = hash.to_owned();
    if !state.run(move |store| uploaded(store, &owned)).await? {
        return Err(not_found());
    }
    let name = format!("{cache_prefix}{hash}-{}.{}", size.unwrap_or(0), format.extension());
    answer_image(req, &name, format, || state.images.variant(hash, format, size)).await
}

/// The answer for the image cached as `name`: 304 when `If-None-Match` names it (nothing is
/// read or rendered), otherwise the bytes `render` reads or renders, 404 when there are none.
async fn answer_image<R, F>(
    req: &HttpRequest,
    name: &str,
    format: OutputFormat,
    render: R,
) -> Result<HttpResponse, ApiError>
where
    R: FnOnce() -> F,
    F: Future<Output = Result<Option<Bytes>, ImageError>>,
{
    if let Some(answer) = not_modified(req, name) {
        return Ok(answer);
    }
    let bytes = render().await.map_err(image_error)?.ok_or_else(not_found)?;
    Ok(image_response(bytes, format, name))
}

/// Busy image workers are a 503 with `Retry-After` (the client may retry); anything else is a
/// 500 with its cause logged.
pub(crate) fn image_error(e: ImageError) -> ApiError {
    match e {
        ImageError::Busy => ApiError::with_cause(ErrorKind::Unavailable, e),
        ImageError::Internal(_) => ApiError::internal(e),
    }
}
