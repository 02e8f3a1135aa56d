//! `JsonBody`: the request body as a JSON value, with Discord's answers for everything that can
//! be wrong with it before any field is looked at.
//!
//! - over the configured limit → 413 (40005), decided from `Content-Length` before reading when
//!   the client sends one, and while reading otherwise;
//! - a content type other than JSON → 400 (50035, request-level `CONTENT_TYPE_INVALID`);
//! - not JSON (malformed, truncated, invalid UTF-8, nested deeper than serde_json's limit)
//!   → 400 (50109).
//!
//! Field-level validation happens afterwards with `astral_types::form::FormReader`.

use std::future::Future;
use std::pin::Pin;

use actix_web::{dev::Payload, http::header, web, FromRequest, HttpMessage, HttpRequest};
use futures_util::StreamExt;
use serde_json::Value;

use crate::error::{ApiError, ErrorKind};
use crate::state::AppState;

pub struct JsonBody(pub Value);

impl FromRequest for JsonBody {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<JsonBody, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let limit = req
            .app_data::<web::Data<AppState>>()
            .map(|s| s.max_body_bytes)
            .unwrap_or(crate::config::DEFAULT_MAX_BODY_BYTES);
        let declared_length = req
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<usize>().ok());
        let content_type_ok = is_json(req);
        let mut payload = payload.take();
        Box::pin(async move {
            if declared_length.is_some_and(|n| n > limit) {
                return Err(ApiError::new(ErrorKind::PayloadTooLarge));
            }
            let mut bytes = web::BytesMut::new();
            while let Some(chunk) = payload.next().await {
                let chunk = chunk.map_err(|e| ApiError::with_cause(ErrorKind::InvalidJson, e))?;
                if bytes.len() + chunk.len() > limit {
                    return Err(ApiError::new(ErrorKind::PayloadTooLarge));
                }
                bytes.extend_from_slice(&chunk);
            }
            if !content_type_ok {
                let mut errors = astral_types::FormErrors::new();
                errors.add(
                    &[],
                    "CONTENT_TYPE_INVALID",
                    "Expected \"Content-Type\" header to be \"application/json\".",
                );
                return Err(ApiError::form(errors));
            }
            serde_json::from_slice(&bytes)
                .map(JsonBody)
                .map_err(|e| ApiError::with_cause(ErrorKind::InvalidJson, e))
        })
    }
}

/// `application/json`, with or without parameters such as `charset=utf-8`.
fn is_json(req: &HttpRequest) -> bool {
    match req.mime_type() {
        Ok(Some(mime)) => mime.type_() == "application" && mime.subtype() == "json",
        _ => false,
    }
}
