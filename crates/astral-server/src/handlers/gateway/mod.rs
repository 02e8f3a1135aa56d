//! `/gateway` and `/gateway/bot`: Astral is REST-only, so both answer a documented 404 instead
//! of a gateway URL. Discord libraries that only use REST never call them; one that does (to
//! connect a websocket) gets a Discord-shaped error it reports, not a hang or a parse error.

pub mod get_bot_gateway;
pub mod get_gateway;

use crate::error::ApiError;
use astral_types::JsonCode;

/// The one answer of both routes.
#[track_caller]
fn no_gateway() -> ApiError {
    ApiError::discord(
        404,
        JsonCode::GENERAL,
        "404: Not Found (Astral is REST-only: there is no gateway)",
    )
}
