//! `GET /healthz` (root only): is the server up and can it reach its database?

use actix_web::http::header;
use actix_web::{get, HttpResponse};
use astral_store::StoreError;
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::ApiError;
use crate::handlers::State;
use crate::request_log::FailureCause;

#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// `ok` (200), or `unavailable` (503) when the database does not answer.
    pub status: String,
    /// `sqlite` or `postgresql`.
    pub database: String,
    /// `up`, or `down` when a round trip to the database failed or timed out.
    pub database_status: String,
    /// Where rate-limit buckets live: `memory`, `redis`, or `off`.
    pub rate_limits: String,
    /// How often the Redis rate-limit store failed since start (each time the server went on
    /// serving, limiting in process).
    pub rate_limit_store_failures: i64,
}

/// Health check.
///
/// 200 when the database answers a round trip; 503 with the same body (`status: unavailable`,
/// `database_status: down`) and `Retry-After` when it does not, within the pool timeout (at
/// once while new connections are being refused) or SQLite's busy timeout.
#[utoipa::path(
    tag = "health",
    responses(
        (status = 200, description = "The server and its database are up.", body = Health),
        (status = 503, description = "The database is unreachable, locked or gone.", body = Health),
    ),
    security()
)]
#[get("/healthz")]
pub async fn get_health(state: State) -> HttpResponse {
    let backend = state.store.backend();
    let failure = round_trip(state.db(|store| store.ping()).await).err();
    let (rate_limits, failures) = match &state.limiter {
        None => ("off", 0),
        Some(l) => match l.configured_store() {
            astral_ratelimit::StoreKind::Memory => ("memory", 0),
            astral_ratelimit::StoreKind::Redis => ("redis", l.redis_failures()),
        },
    };
    let mut health = Health {
        status: "ok".into(),
        database: backend.name().into(),
        database_status: "up".into(),
        rate_limits: rate_limits.into(),
        rate_limit_store_failures: i64::try_from(failures).unwrap_or(i64::MAX),
    };
    if failure.is_some() {
        health.status = "unavailable".into();
        health.database_status = "down".into();
    }
    check_answer(health, failure.map(|cause| format!("health check failed: {cause}")))
}

/// A database round trip's outcome, its failure as the message to log.
pub(crate) fn round_trip<T>(outcome: Result<Result<T, StoreError>, ApiError>) -> Result<T, String> {
    match outcome {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(e)) => Err(e.to_string()),
        Err(e) => Err(e.to_string()),
    }
}

/// The answer of a check (`/healthz`, `/readyz`): 200 with `body` without a failure; otherwise
/// 503 with the same body and `Retry-After`. The failure stays in the log (with the request
/// id), out of the public body.
pub(crate) fn check_answer(body: impl Serialize, failure: Option<String>) -> HttpResponse {
    let Some(cause) = failure else {
        return HttpResponse::Ok().json(body);
    };
    let mut response =
        HttpResponse::ServiceUnavailable().insert_header((header::RETRY_AFTER, "1")).json(body);
    response.extensions_mut().insert(FailureCause(cause));
    response
}
