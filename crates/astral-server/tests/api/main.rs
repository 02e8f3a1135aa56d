//! HTTP integration tests: each test starts the app on a random local port with its own
//! database and drives it through the generated client and raw HTTP. Every test runs on SQLite
//! and on PostgreSQL (see `support::backend_test!`).

// Test code: a panic is a failed test, which is the point. clippy.toml's allow-*-in-tests
// covers #[test] functions only, not this test crate's helpers.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "test code: a panic is a failed test")]

mod support;

mod admin_cli;
mod auth;
mod authz;
mod bad_input;
mod bodies;
mod channels;
mod cli;
mod client_errors;
mod concurrency;
mod contract;
mod copy;
mod crash;
mod error_catalogue;
mod errors;
mod faults;
mod files_and_headers;
mod gateway;
mod guilds;
mod image_attacks;
mod images;
mod instances;
mod logs;
mod members;
mod metrics;
mod passwords;
mod pride_flags;
mod process;
mod profiles;
mod rate_limit_identity;
mod rate_limits;
mod readiness;
mod relationships;
mod short_ids;
mod shutdown;
mod spec_check;
mod users;
// issue 16 A
mod accounts;
// issue 16 D
mod lifecycle;
mod sessions;
// issue 16 B
mod email;
// issue 16 C: two-factor authentication.
mod mfa;
mod mfa_gate;
mod mfa_login;
