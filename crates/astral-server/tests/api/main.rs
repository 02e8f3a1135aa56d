//! HTTP integration tests: each test starts the app on a random local port with its own
//! database and drives it through the generated client and raw HTTP. Every test runs on SQLite
//! and on PostgreSQL (see `support::backend_tests!`).

mod support;

mod auth;
mod authz;
mod bad_input;
mod channels;
mod cli;
mod concurrency;
mod contract;
mod crash;
mod errors;
mod faults;
mod gateway;
mod guilds;
mod image_attacks;
mod images;
mod logs;
mod process;
mod rate_limits;
mod relationships;
mod shutdown;
mod spec_check;
mod users;
