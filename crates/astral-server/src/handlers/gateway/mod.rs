//! `/gateway` and `/gateway/bot`: Astral is REST-only, so both answer a documented 404 instead
//! of a gateway URL. Discord libraries that only use REST never call them; one that does (to
//! connect a websocket) gets a Discord-shaped error it reports, not a hang or a parse error.

pub mod get_gateway;

use crate::error::{ApiError, ErrorKind};

/// The one answer of both routes.
#[track_caller]
fn no_gateway() -> ApiError {
    ApiError::new(ErrorKind::NoGateway)
}
