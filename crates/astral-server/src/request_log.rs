//! Request ids and the one log line per request.
//!
//! Every request gets an id: the caller's own `X-Request-Id` when it is short and plain
//! (1–64 of ASCII letters, digits, `-`, `_`, `.`, `:`), so a request can be followed through a
//! proxy that already assigned one; otherwise a fresh random one. The id is sent back in
//! `X-Request-Id` on every answer, and everything logged while the request runs is inside a
//! `request` span carrying it.
//!
//! When the answer is ready, one line is logged (target `astral_server::request`): request id,
//! method, path (never the query string), matched route, status, latency, the authenticated
//! user's id when there is one, and for 5xx the cause. The same facts feed the request
//! metrics (`crate::metrics`). What is never logged: headers (so no
//! `Authorization`), bodies (so no passwords or images), tokens in any form.

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::HttpMessage;
use astral_types::UserId;
use rand::Rng;
use tracing::Instrument;

use crate::metrics::RefusedBy;

pub const REQUEST_ID_HEADER: HeaderName = HeaderName::from_static("x-request-id");

/// Who made the request, set by the `Caller` extractor once the token checked out.
#[derive(Debug, Clone, Copy)]
pub struct AuthenticatedUser(pub UserId);

/// Why a request failed on the server's side (5xx), set by `ApiError` on its response. Never
/// sent to the client; logged on the request's line.
#[derive(Debug, Clone)]
pub struct FailureCause(pub String);

/// An inbound id is kept only if it cannot break a log line or smuggle much into it.
fn acceptable(id: &str) -> bool {
    (1..=64).contains(&id.len())
        && id.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'))
}

fn new_request_id() -> String {
    format!("{:032x}", rand::thread_rng().gen::<u128>())
}

pub async fn request_log(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let id = req
        .headers()
        .get(&REQUEST_ID_HEADER)
        .and_then(|v| v.to_str().ok())
        .filter(|v| acceptable(v))
        .map_or_else(new_request_id, str::to_owned);
    let method = req.method().clone();
    let path = req.path().to_owned();

    let span = tracing::info_span!("request", request_id = %id);
    let result = next.call(req).instrument(span).await;
    let latency_ms = started.elapsed().as_secs_f64() * 1000.0;

    let mut response = match result {
        Ok(response) => response,
        Err(error) => {
            // Errors that no handler turned into a response (none of ours do this; actix's own
            // might): logged here, answered by actix as usual.
            tracing::error!(
                target: "astral_server::request",
                request_id = %id,
                method = %method,
                path = %path,
                latency_ms,
                error = %error,
                "request failed without a response"
            );
            return Err(error);
        }
    };
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(REQUEST_ID_HEADER, value);
    }
    let status = response.status().as_u16();
    let route = response.request().match_pattern();
    let user_id =
        response.request().extensions().get::<AuthenticatedUser>().map(|u| u.0.to_string());
    let cause = response.response().extensions().get::<FailureCause>().map(|c| c.0.clone());
    if let Some(state) = response.request().app_data::<actix_web::web::Data<crate::AppState>>() {
        let refused_by = response.response().extensions().get::<RefusedBy>().copied();
        state.metrics.record_request(
            method.as_str(),
            route.as_deref(),
            status,
            started.elapsed(),
            refused_by,
        );
    }
    macro_rules! line {
        ($level:ident) => {
            tracing::$level!(
                target: "astral_server::request",
                request_id = %id,
                method = %method,
                path = %path,
                route = route.as_deref(),
                status,
                latency_ms = (latency_ms * 1000.0).round() / 1000.0,
                user_id = user_id.as_deref(),
                cause = cause.as_deref(),
                "request"
            )
        };
    }
    match status {
        500.. if status != 503 => line!(error),
        503 => line!(warn),
        _ => line!(info),
    }
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inbound_ids_are_kept_only_when_plain() {
        assert!(acceptable("abc-123_x.y:z"));
        assert!(acceptable(&"a".repeat(64)));
        assert!(!acceptable(""));
        assert!(!acceptable(&"a".repeat(65)));
        assert!(!acceptable("a b"));
        assert!(!acceptable("a\nb"));
        assert!(!acceptable("a=b"));
        let fresh = new_request_id();
        assert_eq!(fresh.len(), 32);
        assert!(acceptable(&fresh));
    }
}
