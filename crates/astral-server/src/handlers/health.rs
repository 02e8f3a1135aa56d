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
    Ok(HttpResponse::Ok().json(Health {
        status: "ok".into(),
        database: backend.name().into(),
    }))
}
