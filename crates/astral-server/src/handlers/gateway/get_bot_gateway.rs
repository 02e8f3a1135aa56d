use actix_web::{get, HttpResponse};
use astral_types::ErrorBody;

use super::no_gateway;
use crate::error::ApiError;

/// Get the gateway URL and sharding information for a bot (Astral has no gateway).
///
/// Astral is REST-only: this always answers 404
/// `{"message": "404: Not Found (Astral is REST-only: there is no gateway)", "code": 0}`, with or
/// without a token (there is nothing to protect).
#[utoipa::path(
    operation_id = "get_bot_gateway",
    tag = "gateway",
    responses(
        (status = 404, description = "Always: Astral is REST-only (code 0).", body = ErrorBody),
    ),
    security()
)]
#[get("/gateway/bot")]
pub async fn get_bot_gateway() -> Result<HttpResponse, ApiError> {
    Err(no_gateway())
}
