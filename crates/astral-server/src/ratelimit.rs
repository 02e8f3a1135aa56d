//! The rate-limit middleware on the versioned API scopes: checks the request against its
//! buckets (`astral-ratelimit`), answers 429 in Discord's shape when refused, and describes the
//! route's bucket in `X-RateLimit-*` headers on every other answer.
//!
//! Root routes (`/healthz`, `/docs/`, `/openapi.json`) are not limited: health checks and
//! documentation must keep working for load balancers and people.

use std::net::{IpAddr, Ipv4Addr};

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderMap, HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{web, HttpResponse};
use astral_ratelimit::{BucketKind, Check, Refusal};
use astral_types::{ErrorBody, JsonCode};

use crate::routes::API_PREFIXES;
use crate::state::AppState;

pub async fn rate_limit(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let Some(limiter) = req
        .app_data::<web::Data<AppState>>()
        .and_then(|s| s.limiter.clone())
    else {
        return next
            .call(req)
            .await
            .map(ServiceResponse::map_into_boxed_body);
    };
    let ip = req
        .peer_addr()
        .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |a| a.ip());
    let authorization = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_owned);
    let path = API_PREFIXES
        .iter()
        .find_map(|prefix| req.path().strip_prefix(prefix))
        .unwrap_or(req.path())
        .to_owned();
    let check = limiter
        .check(req.method().as_str(), &path, authorization.as_deref(), ip)
        .await;

    if let Some(refusal) = &check.refusal {
        // A 429 counts as an invalid request, except one caused by that limit itself (which
        // would otherwise extend its own lock-out).
        if refusal.kind != BucketKind::InvalidRequests {
            limiter.record_invalid(ip).await;
        }
        let mut response = too_many_requests(refusal);
        describe(response.headers_mut(), &check);
        return Ok(req.into_response(response));
    }

    let mut response = next.call(req).await?.map_into_boxed_body();
    describe(response.headers_mut(), &check);
    if matches!(response.status().as_u16(), 401 | 403) {
        limiter.record_invalid(ip).await;
    }
    Ok(response)
}

/// Seconds with 3 decimals, rounded up to the millisecond: clients (twilight among them) wait
/// exactly `Reset-After` before retrying, so it must never fall short of the real wait.
fn seconds_rounded_up(us: u64) -> String {
    let ms = us.div_ceil(1000);
    format!("{}.{:03}", ms / 1000, ms % 1000)
}

fn set(headers: &mut HeaderMap, name: &'static str, value: String) {
    if let Ok(value) = HeaderValue::from_str(&value) {
        headers.insert(HeaderName::from_static(name), value);
    }
}

/// The bucket's state, as Discord reports it.
fn describe(headers: &mut HeaderMap, check: &Check) {
    let d = &check.decision;
    set(headers, "x-ratelimit-limit", d.limit.to_string());
    set(headers, "x-ratelimit-remaining", d.remaining.to_string());
    set(
        headers,
        "x-ratelimit-reset-after",
        seconds_rounded_up(d.reset_after_us),
    );
    set(
        headers,
        "x-ratelimit-reset",
        seconds_rounded_up(check.now_us + d.reset_after_us),
    );
    set(headers, "x-ratelimit-bucket", check.bucket_id.clone());
}

fn too_many_requests(refusal: &Refusal) -> HttpResponse {
    // Round up to the millisecond: a client that waits exactly `retry_after` must get in.
    let retry_ms = refusal.retry_after_us.div_ceil(1000);
    let body = ErrorBody {
        retry_after: Some(retry_ms as f64 / 1000.0),
        global: Some(refusal.global),
        ..ErrorBody::new(JsonCode::GENERAL, "You are being rate limited.")
    };
    let mut response = HttpResponse::TooManyRequests();
    response
        .insert_header((
            header::RETRY_AFTER,
            retry_ms.div_ceil(1000).max(1).to_string(),
        ))
        .insert_header(("x-ratelimit-scope", refusal.scope.as_str()))
        // Discord's answers come through a proxy that names itself in `Via`; discord.py takes a
        // 429 without `Via` for a Cloudflare ban and raises instead of waiting `retry_after`.
        .insert_header((header::VIA, "1.1 astral"));
    if refusal.global {
        response.insert_header(("x-ratelimit-global", "true"));
    }
    response.json(body)
}
