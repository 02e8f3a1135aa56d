use actix_web::{get, HttpResponse};
use astral_types::ErrorBody;

use super::no_gateway;
use crate::error::ApiError;

/// Get the gateway URL (Astral has none).
///
/// Astral is REST-only: there is no websocket gateway, so this always answers 404
/// `{"message": "404: Not Found (Astral is REST-only: there is no gateway)", "code": 0}`.
#[utoipa::path(
    operation_id = "get_gateway",
    tag = "gateway",
    responses(
        (status = 404, description = "Always: Astral is REST-only (code 0).", body = ErrorBody),
    ),
    security()
)]
#[get("/gateway")]
pub async fn get_gateway() -> Result<HttpResponse, ApiError> {
    Err(no_gateway())
}
