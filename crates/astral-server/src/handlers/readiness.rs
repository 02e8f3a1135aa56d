//! `GET /readyz` (root only): should this instance get traffic now? The load balancer's check
//! (docs/operations.md#liveness-and-readiness); `/healthz` stays the liveness check.

use std::sync::atomic::Ordering;

use actix_web::http::header;
use actix_web::{get, web, HttpResponse};
use serde::Serialize;
use utoipa::ToSchema;

use crate::request_log::FailureCause;
use crate::state::AppState;

#[derive(Debug, Serialize, ToSchema)]
pub struct Readiness {
    /// `ready` (200), or `not_ready` (503) for any of the reasons below.
    pub status: String,
    /// `up`, or `down` when a round trip to the database failed or timed out.
    pub database_status: String,
    /// `current`; `behind` when the database lacks migrations this binary has (another
    /// instance is still migrating it, or it belongs to an older version); `unknown` while the
    /// database is down.
    pub schema: String,
    /// How many of this binary's migrations the database has not applied (0 when `current` or
    /// `unknown`).
    pub pending_migrations: i64,
    /// True once shutdown has begun (SIGTERM): in-flight requests finish, new ones should go
    /// elsewhere.
    pub shutting_down: bool,
}

/// Readiness check.
///
/// 200 when the instance should get traffic: the database answers, its schema has every
/// migration of this binary, and shutdown has not begun. Otherwise 503 with the same body
/// (`status: not_ready`) and `Retry-After`. One read of the migrations table; no other work.
#[utoipa::path(
    operation_id = "get_readiness",
    tag = "health",
    responses(
        (status = 200, description = "Ready for traffic.", body = Readiness),
        (
            status = 503,
            description = "Not ready: the database is unreachable, its schema is behind this \
                           binary, or the instance is shutting down.",
            body = Readiness
        ),
    ),
    security()
)]
#[get("/readyz")]
pub async fn get_readiness(state: web::Data<AppState>) -> HttpResponse {
    let shutting_down = state.shutting_down.load(Ordering::SeqCst);
    let pending = state.db(|store| store.pending_migrations()).await;
    let (database_status, schema, pending_migrations, failure) = match pending {
        Ok(Ok(pending)) if pending.is_empty() => ("up", "current", 0, None),
        Ok(Ok(pending)) => {
            let cause = format!("schema behind: pending {}", pending.join(", "));
            ("up", "behind", i64::try_from(pending.len()).unwrap_or(i64::MAX), Some(cause))
        }
        Ok(Err(e)) => ("down", "unknown", 0, Some(e.to_string())),
        Err(e) => ("down", "unknown", 0, Some(e.to_string())),
    };
    let ready = failure.is_none() && !shutting_down;
    let body = Readiness {
        status: if ready { "ready" } else { "not_ready" }.into(),
        database_status: database_status.into(),
        schema: schema.into(),
        pending_migrations,
        shutting_down,
    };
    if ready {
        return HttpResponse::Ok().json(body);
    }
    let mut response =
        HttpResponse::ServiceUnavailable().insert_header((header::RETRY_AFTER, "1")).json(body);
    let cause = failure.unwrap_or_else(|| "shutting down".to_owned());
    // Logged with the request id; the body says only which condition failed.
    response.extensions_mut().insert(FailureCause(format!("not ready: {cause}")));
    response
}
