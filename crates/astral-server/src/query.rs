//! Query strings: actix decodes the pairs, and each query type of `astral_types` reads them
//! (`GuildListQuery::read`, …), so that a bad value is a Discord-shaped 400 (50035 with a
//! field error) rather than actix's plain-text one.

use actix_web::{web, HttpRequest};

/// The 400 of an operation whose only bad input is its query, for its annotation.
#[derive(utoipa::IntoResponses)]
#[response(status = 400, description = "Invalid query parameter (50035).")]
pub struct InvalidQuery(pub astral_types::ErrorBody);

/// The decoded `name=value` pairs of the request's query string, in order. A query string
/// that does not decode reads as empty, as unknown parameters are ignored.
pub fn query_pairs(req: &HttpRequest) -> Vec<(String, String)> {
    web::Query::<Vec<(String, String)>>::from_query(req.query_string())
        .map(|q| q.into_inner())
        .unwrap_or_default()
}
