//! Astral's HTTP server: thin actix-web handlers over the store, one error type that renders
//! every failure as Discord's error body, and the `astral` CLI.
//!
//! Routes are registered once ([`routes::configure_api`]) and mounted under `/api/v10`,
//! `/api/v9` and `/api/v1`; the OpenAPI document built from that same registration without a
//! prefix ([`openapi::generated_document`]) is what `cargo xtask spec-check` compares with the
//! hand-maintained contract in `openapi/astral.json`.

pub mod app;
pub mod auth;
pub mod body;
pub mod cli;
pub mod config;
// issue 16 C
pub mod crypto;
pub mod error;
pub mod handlers;
pub mod last_use;
pub mod mail;
pub mod methods;
pub mod metrics;
// issue 16 C
pub mod mfa;
pub mod openapi;
pub mod pool;
pub mod query;
pub mod ratelimit;
pub(crate) mod reauth; // issue 16 A
pub mod request_log;
pub mod routes;
pub mod security_headers;
pub mod state;
pub mod wire;

pub use app::{build_app, run_server};
pub use error::ApiError;
pub use state::AppState;
