use actix_web::get;
use astral_types::ErrorBody;

use super::no_gateway;
use crate::handlers::Reply;

operations! {
    [
        tag = "gateway",
        responses(
            (status = 404, description = "Always: Astral is REST-only (code 0).", body = ErrorBody),
        ),
        security()
    ]
    fn() -> Reply {
        Err(no_gateway())
    }

    /// Get the gateway URL (Astral has none).
    ///
    /// Astral is REST-only: there is no websocket gateway, so this always answers 404
    /// `{"message": "404: Not Found (Astral is REST-only: there is no gateway)", "code": 0}`.
    #[get("/gateway")]
    pub async fn get_gateway;

    /// Get the gateway URL and sharding information for a bot (Astral has no gateway).
    ///
    /// Astral is REST-only: this always answers 404
    /// `{"message": "404: Not Found (Astral is REST-only: there is no gateway)", "code": 0}`, with or
    /// without a token (there is nothing to protect).
    #[get("/gateway/bot")]
    pub async fn get_bot_gateway;
}
