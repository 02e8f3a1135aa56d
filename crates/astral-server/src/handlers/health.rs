//! `GET /healthz` (root only): is the server up and can it reach its database?

use actix_web::{get, web, HttpResponse};
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::ApiError;
use crate::state::AppState;

#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// Always `ok` when this body is sent.
    pub status: String,
    /// `sqlite` or `postgresql`.
    pub database: String,
    /// Where rate-limit buckets live: `memory`, `redis`, or `off`.
    pub rate_limits: String,
    /// How often the Redis rate-limit store failed since start (each time the server went on
    /// serving, limiting in process).
    pub rate_limit_store_failures: i64,
}

/// Health check.
///
/// 200 when the database answers; 503 (Discord error body) when it does not.
#[utoipa::path(
    operation_id = "get_health",
    tag = "health",
    responses(
        (status = 200, description = "The server and its database are up.", body = Health),
        (status = "5XX", description = "The database is unreachable.", body = astral_types::ErrorBody),
    )
)]
#[get("/healthz")]
pub async fn get_health(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let backend = state.store.backend();
    state.run(|store| store.ping()).await?;
    let (rate_limits, failures) = match &state.limiter {
        None => ("off", 0),
        Some(l) => match l.configured_store() {
            astral_ratelimit::StoreKind::Memory => ("memory", 0),
            astral_ratelimit::StoreKind::Redis => ("redis", l.redis_failures()),
        },
    };
    Ok(HttpResponse::Ok().json(Health {
        status: "ok".into(),
        database: backend.name().into(),
        rate_limits: rate_limits.into(),
        rate_limit_store_failures: i64::try_from(failures).unwrap_or(i64::MAX),
    }))
}
