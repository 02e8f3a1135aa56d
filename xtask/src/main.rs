//! `cargo xtask <command>`: project automation. Kept light on purpose (serde_json and
//! openapiv3 only): heavy work is delegated to the workspace's own binaries via `$CARGO`.
//!
//! Commands:
//! - `spec-check`: the hand-maintained contract (openapi/astral.json) and the document
//!   generated from the handlers' annotations must describe the same API, and the contract
//!   must be in its canonical layout. See docs/spec-check.md.
//! - `fmt-contract [--check]`: writes (or checks) the contract's canonical layout.
//! - `compat [LIBRARY…]`: discord.py, @discordjs/rest and twilight against a running Astral on
//!   SQLite and PostgreSQL. See docs/discord-libraries.md.
//! - `api-fuzz`: Schemathesis against a running server and the contract. See docs/api-fuzz.md.
//! - `msrv-check`: the declared `rust-version` covers every locked dependency's.
//! - `swagger-check`: Swagger UI (`/docs/`) in headless Chromium against a running server.
//!   See tools/swagger-check/README.md.
//! - `bench [--smoke] [--users N] [--guilds G] [--duration SECS] [--backend sqlite|postgres]`:
//!   the hot paths under wrk, as ratios to a minimal actix-web ceiling. See docs/performance.md.

mod api_fuzz;
mod bench;
mod compat;
mod contract_layout;
mod msrv_check;
mod pinned;
mod server;
mod spec_check;
mod swagger_check;

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("spec-check") => spec_check::run(),
        Some("fmt-contract") => contract_layout::run(&args[1..], &spec_check::workspace_root()),
        Some("api-fuzz") => api_fuzz::run(),
        Some("compat") => compat::run(&args[1..]),
        Some("msrv-check") => msrv_check::run(),
        Some("swagger-check") => swagger_check::run(),
        Some("bench") => bench::run(&args[1..]),
        _ => {
            eprintln!(
                "usage: cargo xtask spec-check | fmt-contract [--check] | msrv-check | api-fuzz | swagger-check | bench [--smoke] | compat [discord.py|discordjs-rest|twilight]…"
            );
            ExitCode::FAILURE
        }
    }
}
