//! Astral's wire format, decided in one place: snowflake ids, the user objects, the request
//! bodies and query parameters with their limits and readers, every error Astral answers
//! (status, Discord JSON code, message) and their Discord body, and the form reader that turns
//! a JSON body into typed fields plus Discord-shaped field errors.
//!
//! Each request type reads itself (`RegisterRequest::read`, `GuildListQuery::read`, …) next to
//! its `ToSchema`/`IntoParams` derive, and every limit is one named constant from which both
//! the check and the schema are built, so the contract and the server cannot disagree.
//!
//! This crate knows nothing of databases or HTTP servers, so the client side and the store can
//! share it without pulling either in.

// The user answers declare some 80 fields through `optional_fields!`, a token muncher.
#![recursion_limit = "512"]

mod macros;

pub mod auth;
pub mod channel;
pub mod email;
pub mod error;
pub mod form;
pub mod guild;
pub mod ids;
pub mod locale;
pub mod member;
// issue 16 C
pub mod mfa;
pub mod partial;
pub mod password;
pub mod pride_flag;
pub mod profile;
pub mod rules;
// issue 16 D
pub mod session;
pub mod token;
pub mod user;

pub use error::{
    Cooldown, ErrorBody, ErrorEntry, ErrorKind, FieldError, FormErrors, JsonCode, RateLimit,
};
pub use ids::{RequestSnowflake, Snowflake, SnowflakeGenerator, TokenId, UserId};

#[cfg(test)]
mod reader_coverage;
