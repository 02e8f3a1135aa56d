//! Discord's CDN paths, served from the root: `/avatars/{user_id}/{hash}.{ext}`,
//! `/banners/{user_id}/{hash}.{ext}` and `/embed/avatars/{index}.png`, each with `?size=`.
//!
//! A hash is served only under the id of the user who uploaded it (any hash they ever had, so
//! old URLs keep working). Images are immutable under their names: long-lived caching and an
//! `ETag` derived from the name.

pub mod get_default_avatar;
pub mod get_user_avatar;
pub mod get_user_banner;

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use astral_media::{is_hash, render, OutputFormat};
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

fn image_response(
    req: &HttpRequest,
    bytes: Vec<u8>,
    format: OutputFormat,
    etag: String,
) -> HttpResponse {
    let etag = format!("\"{etag}\"");
    let matches = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"));
    let mut response = if matches {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    response
        .insert_header((header::CACHE_CONTROL, CACHE_CONTROL))
        .insert_header((header::ETAG, etag));
    if matches {
        response.finish()
    } else {
        response.content_type(format.content_type()).body(bytes)
    }
}

/// Serves a user's avatar or banner.
pub(crate) async fn serve_user_image(
    state: &AppState,
    req: &HttpRequest,
    slot: ImageSlot,
    user_id: &str,
    file: &str,
) -> Result<HttpResponse, ApiError> {
    let size = size(req)?;
    let (hash, format) = split_file(file).ok_or_else(not_found)?;
    let user_id: UserId = user_id.parse().map_err(|_| not_found())?;
    if !is_hash(hash) {
        return Err(not_found());
    }
    let owned = hash.to_owned();
    if !state
        .run(move |store| store.user_has_image(user_id, slot, &owned))
        .await?
    {
        return Err(not_found());
    }
    let media = state.media.clone();
    let hash = hash.to_owned();
    let key = format!("{hash}-{}.{}", size.unwrap_or(0), format.extension());
    let cache_key = key.clone();
    let bytes = web::block(move || -> Result<Option<Vec<u8>>, ApiError> {
        if let Some(cached) = media.get_variant(&cache_key).map_err(ApiError::internal)? {
            return Ok(Some(cached));
        }
        let Some(original) = media.get(&hash).map_err(ApiError::internal)? else {
            return Ok(None);
        };
        let rendered = render(&original, format, size).map_err(ApiError::internal)?;
        media
            .put_variant(&cache_key, &rendered)
            .map_err(ApiError::internal)?;
        Ok(Some(rendered))
    })
    .await
    .map_err(ApiError::internal)??
    .ok_or_else(not_found)?;
    Ok(image_response(req, bytes, format, key))
}
