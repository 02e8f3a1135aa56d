//! `GET /healthz` (root only): is the server up and can it reach its database?

use actix_web::http::header;
use actix_web::{get, web, HttpResponse};
use serde::Serialize;
use utoipa::ToSchema;

use crate::request_log::FailureCause;
use crate::state::AppState;

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
    operation_id = "get_health",
    tag = "health",
    responses(
        (status = 200, description = "The server and its database are up.", body = Health),
        (status = 503, description = "The database is unreachable, locked or gone.", body = Health),
    ),
    security()
)]
#[get("/healthz")]
pub async fn get_health(state: web::Data<AppState>) -> HttpResponse {
    let backend = state.store.backend();
    let ping = state.db(|store| store.ping()).await;
    let (rate_limits, failures) = match &state.limiter {
        None => ("off", 0),
        Some(l) => match l.configured_store() {
            astral_ratelimit::StoreKind::Memory => ("memory", 0),
            astral_ratelimit::StoreKind::Redis => ("redis", l.redis_failures()),
        },
    };
    let failure = match ping {
        Ok(Ok(())) => None,
        Ok(Err(e)) => Some(e.to_string()),
        Err(e) => Some(e.to_string()),
    };
    let mut health = Health {
        status: "ok".into(),
        database: backend.name().into(),
        database_status: "up".into(),
        rate_limits: rate_limits.into(),
        rate_limit_store_failures: i64::try_from(failures).unwrap_or(i64::MAX),
    };
    let Some(cause) = failure else {
        return HttpResponse::Ok().json(health);
    };
    health.status = "unavailable".into();
    health.database_status = "down".into();
    let mut response =
        HttpResponse::ServiceUnavailable().insert_header((header::RETRY_AFTER, "1")).json(health);
    // The driver's message stays in the log (with the request id), out of the public body.
    response.extensions_mut().insert(FailureCause(format!("health check failed: {cause}")));
    response
}
