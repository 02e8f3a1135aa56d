//! `GET /readyz` (root only): should this instance get traffic now? The load balancer's check
//! (docs/operations.md#liveness-and-readiness); `/healthz` stays the liveness check.

use std::sync::atomic::Ordering;

use actix_web::{get, HttpResponse};
use serde::Serialize;
use utoipa::ToSchema;

use crate::handlers::health::{check_answer, round_trip};
use crate::handlers::State;

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
pub async fn get_readiness(state: State) -> HttpResponse {
    let shutting_down = state.shutting_down.load(Ordering::SeqCst);
    let pending = round_trip(state.db(|store| store.pending_migrations()).await);
    let (database_status, schema, pending_migrations, failure) = match pending {
        Ok(pending) if pending.is_empty() => ("up", "current", 0, None),
        Ok(pending) => {
            let cause = format!("schema behind: pending {}", pending.join(", "));
            ("up", "behind", i64::try_from(pending.len()).unwrap_or(i64::MAX), Some(cause))
        }
        Err(cause) => ("down", "unknown", 0, Some(cause)),
    };
    let failure = failure.or_else(|| shutting_down.then(|| "shutting down".to_owned()));
    let body = Readiness {
        status: if failure.is_none() { "ready" } else { "not_ready" }.into(),
        database_status: database_status.into(),
        schema: schema.into(),
        pending_migrations,
        shutting_down,
    };
    // The body says only which condition failed; the log says why.
    check_answer(body, failure.map(|cause| format!("not ready: {cause}")))
}
