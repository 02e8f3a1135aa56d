//! Headers every answer carries, whatever produced it (handlers, 404s, 429s, Swagger UI):
//!
//! - `X-Content-Type-Options: nosniff` everywhere, so a browser never runs an uploaded image or
//!   an error body as something else;
//! - `Cache-Control: no-store` on every answer of the versioned API (`/api/v10`, `/api/v9`,
//!   `/api/v1`): they carry tokens (login, register), private fields (`/users/@me`: email,
//!   phone, flags) or the caller's relationships, channels and guilds, and none of them may be
//!   kept by a shared cache or the browser's disk cache. Images (content-addressed, with
//!   `ETag`) and the contract stay cacheable;
//! - a `Content-Security-Policy` on Swagger UI (`/docs/…`): its page loads only its own
//!   scripts, styles and the contract from this origin ([`DOCS_CSP`]).
//!
//! It also closes the connection of a request whose body was abandoned half-read
//! (`crate::body::CloseConnection`), so a slow client cannot keep it for the next request.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::ConnectionType;
use actix_web::middleware::Next;
use actix_web::HttpMessage;

use crate::body::CloseConnection;
use crate::routes::API_PREFIXES;

/// Swagger UI's page (`utoipa-swagger-ui`) is `index.html` with external scripts only
/// (`swagger-ui-bundle.js`, `swagger-ui-standalone-preset.js`, `swagger-initializer.js`) and
/// fetches `/openapi.json` from this origin; its React components set `style` attributes, and
/// its icons are `data:` SVGs, hence `'unsafe-inline'` for styles (not scripts) and `data:`
/// for images. Checked in headless Chromium: no violation is reported and the operations render.
pub const DOCS_CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self' \
     'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; connect-src 'self'; \
     base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

pub async fn security_headers(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let path = req.path().to_owned();
    let request = req.request().clone();
    let mut response = match next.call(req).await {
        Ok(response) => response.map_into_boxed_body(),
        // A middleware's refusal: rendered here so that it gets the headers too.
        Err(e) => ServiceResponse::new(request, e.as_response_error().error_response()),
    };
    let close = response
        .request()
        .extensions()
        .get::<CloseConnection>()
        .is_some();
    let headers = response.headers_mut();
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    let under_api = API_PREFIXES
        .iter()
        .any(|prefix| path == *prefix || path.starts_with(&format!("{prefix}/")));
    if under_api {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    if path == "/docs" || path.starts_with("/docs/") {
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(DOCS_CSP),
        );
    }
    if close {
        response
            .response_mut()
            .head_mut()
            .set_connection_type(ConnectionType::Close);
    }
    Ok(response)
}
