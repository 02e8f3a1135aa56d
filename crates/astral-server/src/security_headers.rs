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
//! It also makes sure a request body left half-read (refused as too large or too slow, or
//! never read by its route) closes the connection after the answer. actix closes such a
//! connection when the body's reader is still alive as it answers, but *drains* a chunked body
//! whose reader was dropped, for as long as the client keeps sending: a trickling client would
//! hold the connection forever. So the reader is held until the answer is written.

use std::cell::RefCell;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use actix_web::body::{BodySize, BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::error::PayloadError;
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::Next;
use actix_web::web::Bytes;
use actix_web::HttpMessage;
use futures_util::{Stream, StreamExt};

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
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<HoldingBody>, actix_web::Error> {
    let path = req.path().to_owned();
    // The middlewares inside answer their refusals as responses (429, 404, 405), so an `Err`
    // here is actix's own failure, passed on as it is.
    let body = Rc::new(RefCell::new(req.take_payload()));
    req.set_payload(Payload::Stream { payload: Box::pin(SharedPayload(Rc::clone(&body))) });
    let mut response = next.call(req).await?.map_into_boxed_body();
    let headers = response.headers_mut();
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    let under_api = API_PREFIXES
        .iter()
        .any(|prefix| path == *prefix || path.starts_with(&format!("{prefix}/")));
    if under_api {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    if path == "/docs" || path.starts_with("/docs/") {
        headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(DOCS_CSP));
    }
    // Held by the answer's body, which actix drops only after it has decided, at the end of
    // writing it, whether the request body was read to its end (if not: close).
    Ok(response.map_body(|_, answer| HoldingBody { answer, _request_body: body }))
}

/// The request body as the handlers see it; the reader itself stays with the middleware.
struct SharedPayload(Rc<RefCell<Payload>>);

impl Stream for SharedPayload {
    type Item = Result<Bytes, PayloadError>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.0.borrow_mut().poll_next_unpin(cx)
    }
}

/// An answer's body that keeps the request body's reader alive as long as it is written.
pub struct HoldingBody {
    answer: BoxBody,
    _request_body: Rc<RefCell<Payload>>,
}

impl MessageBody for HoldingBody {
    type Error = Box<dyn std::error::Error>;

    fn size(&self) -> BodySize {
        self.answer.size()
    }

    fn poll_next(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Bytes, Self::Error>>> {
        Pin::new(&mut self.get_mut().answer).poll_next(cx)
    }
}
