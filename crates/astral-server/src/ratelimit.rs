//! The rate-limit middleware on the versioned API scopes: checks the request against its
//! buckets (`astral-ratelimit`), answers 429 in Discord's shape when refused, and describes the
//! route's bucket in `X-RateLimit-*` headers on every other answer.
//!
//! Identity (token id, or client address behind the trusted-proxy rules) is decided here:
//! see `astral_ratelimit::limiter` and docs/rate-limits.md.
//!
//! Root routes (`/healthz`, `/docs/`, `/openapi.json`) are not limited: health checks and
//! documentation must keep working for load balancers and people.

use std::net::{IpAddr, Ipv4Addr};

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderMap, HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{web, HttpMessage, HttpResponse, ResponseError};
use astral_ratelimit::{client_ip, BucketKind, Check, IpNet, Refusal, Subject};

use crate::auth::{authenticate, Authentication};
use crate::error::ApiError;
use crate::metrics::RefusedBy;
use crate::state::AppState;

/// The address a request is charged to (after the trusted-proxy rules), for handlers that
/// keep their own buckets (login).
#[derive(Debug, Clone, Copy)]
pub struct ClientAddress(pub IpAddr);

/// The client address of a request: the TCP peer, or what a trusted proxy says it forwarded.
/// The one reading of the forwarding headers, for the API scopes and the CDN routes alike.
pub fn client_address(
    peer: Option<std::net::SocketAddr>,
    headers: &HeaderMap,
    trusted: &[IpNet],
) -> IpAddr {
    let peer = peer.map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |a| a.ip());
    if trusted.is_empty() {
        return peer;
    }
    let values = |name: &str| -> Vec<&str> {
        headers.get_all(name).filter_map(|v| v.to_str().ok()).collect()
    };
    client_ip(peer, &values("forwarded"), &values("x-forwarded-for"), trusted)
}

pub async fn rate_limit(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let Some((limiter, state)) =
        req.app_data::<web::Data<AppState>>().and_then(|s| Some((s.limiter.clone()?, s.clone())))
    else {
        return next.call(req).await.map(ServiceResponse::map_into_boxed_body);
    };
    let ip = client_address(req.peer_addr(), req.headers(), &limiter.config().trusted_proxies);
    req.extensions_mut().insert(ClientAddress(ip));
    let authorization = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_owned);

    // Whom to charge: the token's id if it authenticates, the address otherwise. A presented
    // token passes the address's cheap gate before it costs a hash and a lookup.
    let mut subject = Subject::Address(ip);
    if let Some(authorization) = authorization {
        let gate = limiter.check_token_gate(ip).await;
        if let Some(refusal) = &gate.refusal {
            limiter.record_invalid(&subject).await;
            return Ok(req.into_response(ApiError::rate_limited(refusal, &gate).error_response()));
        }
        let own = crate::auth::asks_for_own_user(req.method(), req.path());
        match authenticate(&state, &authorization, own).await {
            Ok(Some(owner)) => {
                subject = Subject::Token(owner.token_id.to_string());
                req.extensions_mut().insert(Authentication::Valid(Box::new(owner)));
            }
            Ok(None) => {
                req.extensions_mut().insert(Authentication::Invalid);
            }
            // The database is away: answer as the handler would have (503), charge nothing.
            Err(e) => return Ok(req.into_response(e.error_response())),
        }
    }

    // The path the router matches (decoded, below the version prefix), so that a request
    // routed to a limited route meets that route's bucket however its path was spelled.
    let path = req.match_info().unprocessed().to_owned();
    let check = limiter.check(req.method().as_str(), &path, &subject).await;

    if let Some(refusal) = &check.refusal {
        // A 429 counts as an invalid request, except one caused by that limit itself (which
        // would otherwise extend its own lock-out).
        if refusal.kind != BucketKind::InvalidRequests {
            limiter.record_invalid(&subject).await;
        }
        return Ok(req.into_response(ApiError::rate_limited(refusal, &check).error_response()));
    }

    let method = req.method().as_str().to_owned();
    let mut response = next.call(req).await?.map_into_boxed_body();
    // A handler that refused with a bucket of its own (failed logins, re-authentication, an
    // account's mail: `ApiError::rate_limited`) has described it.
    if !response.headers().contains_key("x-ratelimit-limit") {
        describe(response.headers_mut(), &check);
    }
    // issue 16 C: the MFA-required answer is a step of the protocol, not a failure: it neither
    // counts as an invalid request nor uses up the route's bucket for the retry that follows.
    if response.response().extensions().get::<ProtocolStep>().is_some() {
        limiter.refund_request(&method, &path, &subject).await;
        return Ok(response);
    }
    if matches!(response.status().as_u16(), 401 | 403 | 429) {
        limiter.record_invalid(&subject).await;
    }
    Ok(response)
}

/// Marks an answer that is a step of a protocol the client goes on with (the MFA-required
/// 401): the middleware gives its charge back and does not count it as invalid.
#[derive(Debug, Clone, Copy)]
pub struct ProtocolStep;

/// What a 429 of the limiter says besides its body: the scope, `Via`, the headers of the
/// bucket that refused, and that bucket's name for the metrics. Called by
/// [`ApiError::error_response`](crate::error::ApiError) for an [`ApiError::rate_limited`].
pub(crate) fn describe_refusal(response: &mut HttpResponse, refusal: &Refusal, check: &Check) {
    let headers = response.headers_mut();
    set(headers, "x-ratelimit-scope", refusal.scope.as_str().to_owned());
    // Discord's answers come through a proxy that names itself in `Via`; discord.py takes a
    // 429 without `Via` for a Cloudflare ban and raises instead of waiting `retry_after`.
    headers.insert(header::VIA, HeaderValue::from_static("1.1 astral"));
    if refusal.global {
        set(headers, "x-ratelimit-global", "true".to_owned());
    }
    describe(headers, check);
    response.extensions_mut().insert(RefusedBy(bucket_name(refusal.kind)));
}

/// The refusing bucket's name in the metrics (`astral_rate_limit_refusals_total{bucket}`).
fn bucket_name(kind: BucketKind) -> &'static str {
    match kind {
        BucketKind::Global => "global",
        BucketKind::Unauthenticated => "unauthenticated",
        // The route's own limit; which route is the request's `operation` label.
        BucketKind::Route => "route",
        BucketKind::InvalidRequests => "invalid_requests",
        BucketKind::TokenChecks => "token_checks",
        BucketKind::FailedLoginsPerAddress => "failed_logins_per_address",
        BucketKind::FailedLoginsPerAccount => "failed_logins_per_account",
        // issue 16 B
        BucketKind::MailPerAccount => "mail_per_account",
    }
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
    set(headers, "x-ratelimit-reset-after", seconds_rounded_up(d.reset_after_us));
    set(headers, "x-ratelimit-reset", seconds_rounded_up(check.now_us + d.reset_after_us));
    set(headers, "x-ratelimit-bucket", check.bucket_id.clone());
}
