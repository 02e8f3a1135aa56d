//! `JsonBody` and `ImageJsonBody`: the request body as a JSON value, with Discord's answers for
//! everything that can be wrong with it before any field is looked at.
//!
//! - over the route's limit → 413 (40005), decided from `Content-Length` before reading when
//!   the client sends one, and while reading otherwise (an oversize body is never read whole).
//!   [`JsonBody`] (every route without images) allows `max_json_body_bytes` (8 KiB);
//!   [`ImageJsonBody`] (`PATCH /users/@me`, which takes avatars and banners, and the member
//!   routes, which take member avatars) `max_body_bytes`;
//! - arriving too slowly → 408 (code 0): a body must be complete within `body_timeout`, plus
//!   one second per `body_min_bytes_per_sec` bytes received, so a client trickling bytes
//!   cannot hold a connection (and its memory) open;
//! - a content type other than JSON → 400 (50035, request-level `CONTENT_TYPE_INVALID`);
//! - not JSON (malformed, truncated, invalid UTF-8, nested deeper than serde_json's limit)
//!   → 400 (50109).
//!
//! Bodies above [`PARSE_INLINE_MAX`] are parsed on a pool of their own (`AppState::json_pool`),
//! so a large body does not hold up the async worker and the requests it serves.
//!
//! A body left half-read (413, 408, or a route that answers without reading it) closes its
//! connection after the answer (`crate::security_headers::hold_payload`), never drained.
//!
//! Field-level validation happens afterwards with `astral_types::form::FormReader`.

use std::future::Future;
use std::pin::Pin;
use std::time::{Duration, Instant};

use actix_web::{dev::Payload, http::header, web, FromRequest, HttpMessage, HttpRequest};
use futures_util::StreamExt;
use serde_json::Value;

use crate::error::{ApiError, ErrorKind};
use crate::state::AppState;

/// Size limit of bodies without images, and the body-read deadline of every body.
#[derive(Debug, Clone)]
pub struct BodyLimits {
    pub json_max_bytes: usize,
    /// Time any body may take before the minimum rate applies.
    pub timeout: Duration,
    /// Each byte received extends the deadline by `1 / min_bytes_per_sec` seconds.
    pub min_bytes_per_sec: u64,
}

impl Default for BodyLimits {
    fn default() -> Self {
        BodyLimits {
            json_max_bytes: crate::config::DEFAULT_MAX_JSON_BODY_BYTES,
            timeout: Duration::from_secs(crate::config::DEFAULT_BODY_TIMEOUT_SECS),
            min_bytes_per_sec: crate::config::DEFAULT_BODY_MIN_BYTES_PER_SEC,
        }
    }
}

/// Parsing this much JSON takes well under a millisecond: not worth a thread hop.
pub const PARSE_INLINE_MAX: usize = 64 * 1024;

/// The 400 of an operation whose only bad input is its JSON body, for its annotation.
#[derive(utoipa::IntoResponses)]
#[response(status = 400, description = "Invalid JSON (50109) or invalid fields (50035).")]
pub struct InvalidBody(pub astral_types::ErrorBody);

/// The JSON body of a route that takes no images (limit: `max_json_body_bytes`).
pub struct JsonBody(pub Value);

/// The JSON body of a route that takes images (limit: `max_body_bytes`).
pub struct ImageJsonBody(pub Value);

impl FromRequest for JsonBody {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<JsonBody, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let limit = state(req)
            .map_or(crate::config::DEFAULT_MAX_JSON_BODY_BYTES, |s| s.body.json_max_bytes);
        let read = read_json(req.clone(), payload.take(), limit);
        Box::pin(async move { read.await.map(JsonBody) })
    }
}

impl FromRequest for ImageJsonBody {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<ImageJsonBody, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let limit = state(req).map_or(crate::config::DEFAULT_MAX_BODY_BYTES, |s| s.max_body_bytes);
        let read = read_json(req.clone(), payload.take(), limit);
        Box::pin(async move { read.await.map(ImageJsonBody) })
    }
}

fn state(req: &HttpRequest) -> Option<&web::Data<AppState>> {
    req.app_data::<web::Data<AppState>>()
}

async fn read_json(req: HttpRequest, payload: Payload, limit: usize) -> Result<Value, ApiError> {
    read_json_or_none(req, payload, limit, false).await
}

/// Reads a JSON body; with `optional`, an empty body (no bytes at all) is `Value::Null`.
async fn read_json_or_none(
    req: HttpRequest,
    mut payload: Payload,
    limit: usize,
    optional: bool,
) -> Result<Value, ApiError> {
    let started = Instant::now();
    let state = state(&req).cloned();
    let rules = state.as_ref().map(|s| s.body.clone()).unwrap_or_default();
    let declared_length = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared_length.is_some_and(|n| n > limit) {
        return Err(ApiError::new(ErrorKind::PayloadTooLarge));
    }
    // Grown as bytes arrive: a declared length is only a claim, and reserving it up front would
    // let a client that sends nothing hold that much memory.
    let mut bytes =
        web::BytesMut::with_capacity(declared_length.unwrap_or(0).min(PARSE_INLINE_MAX));
    loop {
        let allowed = rules.timeout
            + Duration::from_secs_f64(bytes.len() as f64 / rules.min_bytes_per_sec as f64);
        let next = tokio::time::timeout_at((started + allowed).into(), payload.next()).await;
        let chunk = match next {
            Ok(Some(chunk)) => chunk,
            Ok(None) => break,
            Err(_) => {
                return Err(ApiError::new(ErrorKind::RequestTimeout));
            }
        };
        let chunk = chunk.map_err(|e| ApiError::with_cause(ErrorKind::InvalidJson, e))?;
        if bytes.len() + chunk.len() > limit {
            return Err(ApiError::new(ErrorKind::PayloadTooLarge));
        }
        bytes.extend_from_slice(&chunk);
    }
    if optional && bytes.is_empty() {
        return Ok(Value::Null);
    }
    if !is_json(&req) {
        let mut errors = astral_types::FormErrors::new();
        errors.add(
            &[],
            "CONTENT_TYPE_INVALID",
            "Expected \"Content-Type\" header to be \"application/json\".",
        );
        return Err(ApiError::form(errors));
    }
    let size = bytes.len();
    let parse = move || {
        serde_json::from_slice::<Value>(&bytes)
            .map_err(|e| ApiError::with_cause(ErrorKind::InvalidJson, e))
    };
    match state {
        Some(state) if size > PARSE_INLINE_MAX => state.json_pool.run(parse).await?,
        _ => parse(),
    }
}

/// `application/json`, with or without parameters such as `charset=utf-8`.
fn is_json(req: &HttpRequest) -> bool {
    match req.mime_type() {
        Ok(Some(mime)) => mime.type_() == "application" && mime.subtype() == "json",
        _ => false,
    }
}

// issue 16 C-e
/// The JSON body of a route whose body is optional (no images): `Value::Null` when the
/// request has none (no bytes), otherwise read and refused exactly as [`JsonBody`].
pub struct OptionalJsonBody(pub Value);

impl FromRequest for OptionalJsonBody {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<OptionalJsonBody, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let limit = state(req)
            .map_or(crate::config::DEFAULT_MAX_JSON_BODY_BYTES, |s| s.body.json_max_bytes);
        let read = read_json_or_none(req.clone(), payload.take(), limit, true);
        Box::pin(async move { read.await.map(OptionalJsonBody) })
    }
}
